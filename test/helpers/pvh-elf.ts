// The smallest file the vmlinux check accepts: an x86-64 ELF with one page-aligned PT_LOAD and
// the PVH entry note. It stands in for a kernel where a test builds images, not kernels; the
// options break it in one way each for the check's own tests. Layout: Elf64_Ehdr, the PT_LOAD and
// PT_NOTE program headers at 64, the PT_LOAD's bytes at 0x1000, the notes at 0x2000; 0x3000 bytes.
import { EM_X86_64, PF_R, PF_X, PT_LOAD, PT_NOTE, XEN_ELFNOTE_PHYS32_ENTRY } from '../../manifest/vmlinux.js';

export interface PvhElfOptions {
  /** Physical address of the PT_LOAD and the PVH entry point (default 16 MiB). */
  entry?: number;
  loadOffset?: number;
  loadPaddr?: number;
  /** The PT_NOTE contents (default: the Xen PHYS32_ENTRY note pointing at `entry`). */
  notes?: Buffer;
  machine?: number;
}

export function pvhElf(opts: PvhElfOptions = {}): Buffer {
  const entry = opts.entry ?? 0x1000000;
  const notes = opts.notes ?? elfNote('Xen', XEN_ELFNOTE_PHYS32_ENTRY, entry);
  const file = Buffer.alloc(0x3000);
  file.write('\x7fELF', 0, 'latin1');
  file[4] = 2; // ELFCLASS64
  file[5] = 1; // little-endian
  file[6] = 1; // EV_CURRENT
  file.writeUInt16LE(2, 16); // ET_EXEC
  file.writeUInt16LE(opts.machine ?? EM_X86_64, 18);
  file.writeBigUInt64LE(64n, 32); // e_phoff
  file.writeUInt16LE(56, 54); // e_phentsize
  file.writeUInt16LE(2, 56); // e_phnum
  notes.copy(file, 0x2000);
  const phdrs: [number, number, number, number, number][] = [
    [PT_LOAD, PF_R | PF_X, opts.loadOffset ?? 0x1000, opts.loadPaddr ?? entry, 0x1000],
    [PT_NOTE, PF_R, 0x2000, entry + 0x1000, notes.length],
  ];
  phdrs.forEach(([type, flags, offset, paddr, size], i) => {
    const p = 64 + i * 56;
    file.writeUInt32LE(type, p);
    file.writeUInt32LE(flags, p + 4);
    file.writeBigUInt64LE(BigInt(offset), p + 8);
    file.writeBigUInt64LE(BigInt(paddr) + 0xffffffff80000000n, p + 16);
    file.writeBigUInt64LE(BigInt(paddr), p + 24);
    file.writeBigUInt64LE(BigInt(size), p + 32);
    file.writeBigUInt64LE(BigInt(size), p + 40);
    file.writeBigUInt64LE(type === PT_LOAD ? 0x1000n : 4n, p + 48); // p_align
  });
  return file;
}

/** One ELF note with a 4-byte descriptor: namesz, descsz, type, the name padded to 4, the value. */
export function elfNote(name: string, type: number, value: number): Buffer {
  const nameBuf = Buffer.alloc((name.length + 1 + 3) & ~3);
  nameBuf.write(name);
  const header = Buffer.alloc(12);
  header.writeUInt32LE(name.length + 1, 0);
  header.writeUInt32LE(4, 4);
  header.writeUInt32LE(type, 8);
  const desc = Buffer.alloc(4);
  desc.writeUInt32LE(value);
  return Buffer.concat([header, nameBuf, desc]);
}
