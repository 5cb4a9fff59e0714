// The guest-physical memory map: RAM, the vmlinux segments mapped from the file, the pmem image.
// planMemory is pure (unit-tested); mapMemory makes the mappings and KVM memory slots.
import { readSync } from 'node:fs';
import type { VmFd } from '../kvm/vm.js';
import type { VmlinuxInfo, ElfSegment } from '../loader/elf.js';
import type { MemmapEntry } from '../loader/pvh.js';
import { alignDown, alignUp, hex, PAGE_SIZE } from '../memory/guest-memory.js';
import { MmapMemory } from '../memory/mmap-memory.js';
import { E820_TYPE } from '../uapi/bootparam.js';
import { EBDA_START, HIMEM_START, MMIO_GAP_END, MMIO_GAP_START, PMEM_ALIGN } from '../arch/x86_64/layout.js';
import { ConfigError } from './errors.js';

const MiB = 1024 * 1024;
/** RAM the kernel needs beyond its own image: early page tables, memmap, slab, a small userspace. */
export const MIN_FREE_RAM = 48 * MiB;

export interface Range {
  gpa: number;
  size: number;
}

export interface SegmentPlan extends Range {
  segment: ElfSegment;
  /** Mapped from the file as its own slot; false: copied into RAM (not page-aligned or overlapping). */
  mapped: boolean;
}

export interface MemoryPlan {
  /** RAM slots: RAM minus the mapped kernel segments. */
  ram: Range[];
  segments: SegmentPlan[];
  pmem: Range;
  /** Further pmem regions after the root image, in order (/dev/pmem1, /dev/pmem2, …). */
  extraPmem: Range[];
  e820: MemmapEntry[];
  warnings: string[];
}

function subtract(range: Range, holes: Range[]): Range[] {
  const out: Range[] = [];
  let at = range.gpa;
  const end = range.gpa + range.size;
  for (const h of [...holes].sort((a, b) => a.gpa - b.gpa)) {
    if (h.gpa + h.size <= at || h.gpa >= end) continue;
    if (h.gpa > at) out.push({ gpa: at, size: h.gpa - at });
    at = Math.max(at, h.gpa + h.size);
  }
  if (at < end) out.push({ gpa: at, size: end - at });
  return out;
}

/** A pmem region of `size` bytes at or after `from`, 2 MiB-aligned, never inside the MMIO hole. */
function placePmem(from: number, size: number): Range {
  const pmemSize = alignUp(size, PMEM_ALIGN);
  let gpa = alignUp(from, PMEM_ALIGN);
  if (gpa < MMIO_GAP_END && gpa + pmemSize > MMIO_GAP_START) gpa = MMIO_GAP_END;
  return { gpa, size: pmemSize };
}

/**
 * Where everything goes for `memory` bytes of RAM, this kernel, an image of `imageSize` bytes
 * and further pmem regions of `extraPmemSizes` bytes (the kernel numbers them in address order).
 */
export function planMemory(memory: number, kernel: VmlinuxInfo, imageSize: number, extraPmemSizes: number[] = []): MemoryPlan {
  const lowRam = Math.min(memory, MMIO_GAP_START);
  const highRam = memory - lowRam;
  const needed = alignUp(kernel.kernelEnd + MIN_FREE_RAM, MiB);
  if (lowRam < needed) {
    throw new ConfigError('memory-too-small',
      `memory ${Math.round(memory / MiB)}M is too small: the kernel ends at ${hex(kernel.kernelEnd)} and needs ${Math.round(MIN_FREE_RAM / MiB)}M more`,
      `give at least --memory ${Math.ceil(needed / MiB)}M`);
  }
  const warnings: string[] = [];
  const segments: SegmentPlan[] = [];
  for (const s of kernel.segments) {
    const gpa = alignDown(s.paddr, PAGE_SIZE);
    const size = alignUp(s.paddr + s.memsz, PAGE_SIZE) - gpa;
    const previous = segments.filter((p) => p.mapped).at(-1);
    const aligned = s.offset % PAGE_SIZE === s.paddr % PAGE_SIZE;
    const clear = !previous || previous.gpa + previous.size <= gpa;
    const mapped = aligned && clear;
    if (!mapped) {
      warnings.push(`vmlinux segment ${s.index} at ${hex(s.paddr)} is ${aligned ? 'sharing a page with another' : 'not page-aligned in the file'}: copied into RAM instead of mapped`);
    }
    segments.push({ segment: s, gpa, size, mapped });
  }
  const ram = [
    ...subtract({ gpa: 0, size: lowRam }, segments.filter((s) => s.mapped)),
    ...(highRam > 0 ? [{ gpa: MMIO_GAP_END, size: highRam }] : []),
  ];
  const pmem = placePmem(highRam > 0 ? MMIO_GAP_END + highRam : lowRam, imageSize);
  const extraPmem: Range[] = [];
  for (const size of extraPmemSizes) {
    const last = extraPmem.at(-1) ?? pmem;
    extraPmem.push(placePmem(last.gpa + last.size, size));
  }
  const e820: MemmapEntry[] = [
    { addr: 0, size: EBDA_START, type: E820_TYPE.RAM },
    { addr: HIMEM_START, size: lowRam - HIMEM_START, type: E820_TYPE.RAM },
    ...(highRam > 0 ? [{ addr: MMIO_GAP_END, size: highRam, type: E820_TYPE.RAM }] : []),
    ...[pmem, ...extraPmem].map((r) => ({ addr: r.gpa, size: r.size, type: E820_TYPE.PRAM })),
  ];
  return { ram, segments, pmem, extraPmem, e820, warnings };
}

/** A pmem region after the root image: a file mapped privately, or bytes in anonymous memory. */
export type ExtraPmem = { label: string; fd: number; size: number } | { label: string; bytes: Uint8Array };

export function extraPmemSize(p: ExtraPmem): number {
  return 'bytes' in p ? p.bytes.length : p.size;
}

export interface MappedMemory {
  memory: MmapMemory;
  slots: number;
}

/**
 * Maps the plan: anonymous RAM, each mapped segment privately from the vmlinux fd, the image
 * privately and without reservation; registers one KVM slot per region. Files are only read.
 */
export function mapMemory(
  plan: MemoryPlan, vm: VmFd, kernelFd: number, imageFd: number, imageSize: number, imagePath: string, extra: ExtraPmem[] = [],
): MappedMemory {
  const memory = new MmapMemory();
  const ramTop = Math.max(...plan.ram.map((r) => r.gpa + r.size));
  // One reservation for all RAM; slots are windows into it, so the holes under the kernel cost nothing.
  const ramHost = memory.allocateAnonymous(ramTop);
  for (const r of plan.ram) memory.addRegion({ kind: 'ram', gpa: r.gpa, size: r.size, host: ramHost + BigInt(r.gpa), label: 'RAM' });
  for (const p of plan.segments) {
    const s = p.segment;
    if (p.mapped) {
      const fileStart = s.offset - (s.paddr - p.gpa);
      const host = memory.mapFile(kernelFd, fileStart, s.paddr - p.gpa + s.filesz, p.size);
      memory.addRegion({ kind: 'kernel', gpa: p.gpa, size: p.size, host, label: `vmlinux segment ${s.index}` });
      // The file's next bytes share the last page; what the segment does not load from the file is zero.
      if (s.memsz > s.filesz) {
        const from = s.paddr + s.filesz;
        memory.fill(from, Math.min(alignUp(from, PAGE_SIZE), p.gpa + p.size) - from);
      }
    } else {
      const bytes = new Uint8Array(s.filesz);
      readSync(kernelFd, bytes, 0, s.filesz, s.offset);
      memory.write(s.paddr, bytes);
    }
  }
  const pmemHost = memory.mapFile(imageFd, 0, imageSize, plan.pmem.size);
  memory.addRegion({ kind: 'pmem', gpa: plan.pmem.gpa, size: plan.pmem.size, host: pmemHost, label: imagePath });
  extra.forEach((p, i) => {
    const r = plan.extraPmem[i]!;
    const host = 'bytes' in p ? memory.allocateAnonymous(r.size) : memory.mapFile(p.fd, 0, p.size, r.size);
    memory.addRegion({ kind: 'pmem', gpa: r.gpa, size: r.size, host, label: p.label });
    if ('bytes' in p) memory.write(r.gpa, p.bytes);
  });
  memory.regions.forEach((r, slot) =>
    vm.setUserMemoryRegion({ slot, flags: 0, guestPhysAddr: r.gpa, memorySize: r.size, userspaceAddr: r.host }),
  );
  return { memory, slots: memory.regions.length };
}
