// What cc-run relies on in a vmlinux: an x86-64 ELF with the PVH entry note
// (XEN_ELFNOTE_PHYS32_ENTRY, name "Xen", type 18) and PT_LOAD segments whose file offsets and
// physical addresses are page-aligned, so each one can be mmapped from the file straight into the guest.
// Struct layouts from include/uapi/linux/elf.h (Elf64_Ehdr, Elf64_Phdr, Elf64_Nhdr).
import { open } from 'node:fs/promises';
import { KernelError } from './error.js';

export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const EM_X86_64 = 62;
/** xen/interface/elfnote.h: the 32-bit physical entry point used by PVH boot. */
export const XEN_ELFNOTE_PHYS32_ENTRY = 18;
const PAGE_SIZE = 4096;

export interface LoadSegment {
  offset: number;
  paddr: number;
  vaddr: number;
  filesz: number;
  memsz: number;
}

export interface VmlinuxLayout {
  pvhEntry: number;
  loads: LoadSegment[];
}

/** Reads the program headers and notes of a vmlinux; throws naming the file and the fault. */
export async function checkVmlinux(path: string): Promise<VmlinuxLayout> {
  const fail = (what: string, hint?: string): never => {
    throw new KernelError('vmlinux-invalid', `${path}: ${what}`, hint);
  };
  const file = await open(path, 'r').catch((cause: unknown) => {
    throw new KernelError('vmlinux-invalid', `${path}: cannot open`, undefined, { cause });
  });
  try {
    const read = async (offset: number, length: number): Promise<Buffer> => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await file.read(buf, 0, length, offset);
      if (bytesRead !== length) fail(`truncated: ${length} bytes at offset ${offset} are past the end of the file`);
      return buf;
    };
    const ehdr = await read(0, 64);
    if (ehdr.readUInt32BE(0) !== 0x7f454c46) fail('not an ELF file');
    if (ehdr[4] !== 2 || ehdr[5] !== 1) fail('not a little-endian 64-bit ELF');
    if (ehdr.readUInt16LE(18) !== EM_X86_64) fail(`e_machine ${ehdr.readUInt16LE(18)} is not x86-64 (${EM_X86_64})`);
    const phoff = Number(ehdr.readBigUInt64LE(32));
    const phentsize = ehdr.readUInt16LE(54);
    const phnum = ehdr.readUInt16LE(56);
    const phdrs = await read(phoff, phentsize * phnum);

    const loads: LoadSegment[] = [];
    let pvhEntry: number | undefined;
    for (let i = 0; i < phnum; i++) {
      const p = phdrs.subarray(i * phentsize);
      const type = p.readUInt32LE(0);
      const offset = Number(p.readBigUInt64LE(8));
      const filesz = Number(p.readBigUInt64LE(32));
      if (type === PT_LOAD) {
        const seg = { offset, vaddr: Number(p.readBigUInt64LE(16)), paddr: Number(p.readBigUInt64LE(24)), filesz, memsz: Number(p.readBigUInt64LE(40)) };
        if (seg.offset % PAGE_SIZE !== 0 || seg.paddr % PAGE_SIZE !== 0) {
          fail(
            `PT_LOAD #${i} has p_offset 0x${seg.offset.toString(16)} and p_paddr 0x${seg.paddr.toString(16)}: both must be multiples of ${PAGE_SIZE}`,
            'cc-run maps each PT_LOAD straight from the file; link the kernel with its default linker script',
          );
        }
        loads.push(seg);
      } else if (type === PT_NOTE && pvhEntry === undefined) {
        pvhEntry = findPvhEntry(await read(offset, filesz));
      }
    }
    if (loads.length === 0) fail('no PT_LOAD segments');
    if (pvhEntry === undefined) fail('no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)', 'build with CONFIG_PVH=y (kernel-config/base)');
    return { pvhEntry: pvhEntry!, loads };
  } finally {
    await file.close();
  }
}

/** Walks Elf64_Nhdr records (namesz, descsz, type, name, desc; 4-byte aligned). */
function findPvhEntry(notes: Buffer): number | undefined {
  const align4 = (n: number): number => (n + 3) & ~3;
  let pos = 0;
  while (pos + 12 <= notes.length) {
    const namesz = notes.readUInt32LE(pos);
    const descsz = notes.readUInt32LE(pos + 4);
    const type = notes.readUInt32LE(pos + 8);
    const name = notes.subarray(pos + 12, pos + 12 + namesz).toString('latin1').replace(/\0+$/, '');
    const desc = pos + 12 + align4(namesz);
    if (name === 'Xen' && type === XEN_ELFNOTE_PHYS32_ENTRY && descsz >= 4) return notes.readUInt32LE(desc);
    pos = desc + align4(descsz);
  }
  return undefined;
}
