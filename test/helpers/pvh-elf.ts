// The smallest file the vmlinux check accepts: an x86-64 ELF with one page-aligned PT_LOAD and
// the PVH entry note. It stands in for a kernel where a test builds images, not kernels.
import { EM_X86_64, PT_LOAD, PT_NOTE, XEN_ELFNOTE_PHYS32_ENTRY } from '../../builder/kernel/vmlinux-check.js';

export function pvhElf(entry = 0x1000000): Buffer {
  const file = Buffer.alloc(0x3000);
  file.write('\x7fELF', 0, 'latin1');
  file[4] = 2; // ELFCLASS64
  file[5] = 1; // little-endian
  file[6] = 1; // EV_CURRENT
  file.writeUInt16LE(2, 16); // ET_EXEC
  file.writeUInt16LE(EM_X86_64, 18);
  file.writeBigUInt64LE(64n, 32); // e_phoff
  file.writeUInt16LE(56, 54); // e_phentsize
  file.writeUInt16LE(2, 56); // e_phnum
  const note = Buffer.alloc(20);
  note.writeUInt32LE(4, 0); // namesz ("Xen\0")
  note.writeUInt32LE(4, 4); // descsz
  note.writeUInt32LE(XEN_ELFNOTE_PHYS32_ENTRY, 8);
  note.write('Xen\0', 12, 'latin1');
  note.writeUInt32LE(entry, 16);
  note.copy(file, 0x2000);
  const phdrs: [number, number, number, number][] = [
    [PT_LOAD, 0x1000, entry, 0x1000],
    [PT_NOTE, 0x2000, entry + 0x1000, note.length],
  ];
  phdrs.forEach(([type, offset, paddr, size], i) => {
    const p = 64 + i * 56;
    file.writeUInt32LE(type, p);
    file.writeBigUInt64LE(BigInt(offset), p + 8);
    file.writeBigUInt64LE(BigInt(paddr) + 0xffffffff80000000n, p + 16);
    file.writeBigUInt64LE(BigInt(paddr), p + 24);
    file.writeBigUInt64LE(BigInt(size), p + 32);
    file.writeBigUInt64LE(BigInt(size), p + 40);
  });
  return file;
}
