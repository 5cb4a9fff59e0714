// GDT entries for the PVH entry state (32-bit flat segments and a TSS), and their kvm_segment form.
import type { Segment } from '../../kvm/vcpu.js';

/** One 8-byte descriptor from flags (access byte + granularity nibble), base and limit. */
export function gdtEntry(flags: number, base: number, limit: number): bigint {
  const b = BigInt(base);
  const l = BigInt(limit);
  const f = BigInt(flags);
  return (
    ((b & 0xff000000n) << 32n) |
    ((b & 0x00ffffffn) << 16n) |
    (l & 0x0000ffffn) |
    ((l & 0x000f0000n) << 32n) |
    ((f & 0x0000f0ffn) << 40n)
  );
}

/** The kvm_segment KVM wants for a descriptor at `index` in the GDT. */
export function kvmSegmentFromGdt(entry: bigint, index: number): Segment {
  const field = (shift: bigint, mask: bigint) => Number((entry >> shift) & mask);
  const g = field(55n, 1n);
  const rawLimit = field(0n, 0xffffn) | (field(48n, 0xfn) << 16);
  const present = field(47n, 1n);
  return {
    base: field(16n, 0xffffffn) | (field(56n, 0xffn) << 24),
    limit: g ? rawLimit * 4096 + 4095 : rawLimit,
    selector: index * 8,
    type: field(40n, 0xfn),
    present,
    dpl: field(45n, 3n),
    db: field(54n, 1n),
    s: field(44n, 1n),
    l: field(53n, 1n),
    g,
    avl: field(52n, 1n),
    unusable: present ? 0 : 1,
    padding: 0,
  };
}

/** Null, 32-bit code, 32-bit data, TSS: what the PVH ABI asks for (base 0, limit 4 GiB). */
export const PVH_GDT: readonly bigint[] = [
  gdtEntry(0, 0, 0),
  gdtEntry(0xc09b, 0, 0xfffff),
  gdtEntry(0xc093, 0, 0xfffff),
  gdtEntry(0x008b, 0, 0x67),
];
export const GDT_CODE = 1;
export const GDT_DATA = 2;
export const GDT_TSS = 3;
