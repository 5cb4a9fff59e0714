// Reads a vmlinux: its PT_LOAD segments and the PVH entry note. It reports; the VMM decides
// where things go (runtime/vmm/memory-map.ts).
import { readSync } from 'node:fs';
import {
  EM_X86_64, ELFCLASS64, ELFDATA2LSB, ELFMAG, Elf64_Ehdr, Elf64_Nhdr, Elf64_Phdr, ET_EXEC, PT_LOAD, PT_NOTE,
  XEN_ELFNOTE_PHYS32_ENTRY,
} from '../uapi/elf.js';
import { decodeStruct, sizeOf } from '../uapi/codec.js';

export type LoaderErrorKind = 'not-elf' | 'bzimage' | 'wrong-arch' | 'no-pvh-entry' | 'bad-segment' | 'too-small';

export class LoaderError extends Error {
  constructor(
    readonly kind: LoaderErrorKind,
    message: string,
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'LoaderError';
  }
}

export interface ElfSegment {
  index: number;
  offset: number;
  paddr: number;
  filesz: number;
  memsz: number;
}

export interface VmlinuxInfo {
  segments: ElfSegment[];
  /** Lowest and highest guest-physical address the segments cover. */
  kernelStart: number;
  kernelEnd: number;
  /** XEN_ELFNOTE_PHYS32_ENTRY: the 32-bit PVH entry point. */
  pvhEntry: number;
}

function pread(fd: number, length: number, position: number): Uint8Array {
  const buf = new Uint8Array(length);
  const n = readSync(fd, buf, 0, length, position);
  return buf.subarray(0, n);
}

interface Ehdr { e_ident: Uint8Array; e_type: number; e_machine: number; e_phoff: number; e_phentsize: number; e_phnum: number }
interface Phdr { p_type: number; p_offset: number; p_paddr: number; p_filesz: number; p_memsz: number }

/** Parses the vmlinux open at `fd` (`path` is for messages). */
export function readVmlinux(fd: number, path: string): VmlinuxInfo {
  const head = pread(fd, 1024, 0);
  const magic = String.fromCharCode(...head.subarray(0, 4));
  if (magic !== ELFMAG) {
    const isBzImage = head.length >= 0x206 && String.fromCharCode(...head.subarray(0x202, 0x206)) === 'HdrS';
    if (isBzImage) {
      throw new LoaderError('bzimage', `${path}: is a compressed bzImage, cc-run boots an uncompressed vmlinux ELF`,
        `extract it with linux/scripts/extract-vmlinux ${path} > vmlinux, or use vmlinux from the kernel build tree`);
    }
    throw new LoaderError('not-elf', `${path}: not an ELF vmlinux`, 'pass the uncompressed vmlinux from a kernel build');
  }
  const eh = decodeStruct<Ehdr>(head, Elf64_Ehdr);
  if (eh.e_ident[4] !== ELFCLASS64 || eh.e_ident[5] !== ELFDATA2LSB || eh.e_machine !== EM_X86_64 || eh.e_type !== ET_EXEC) {
    throw new LoaderError('wrong-arch', `${path}: not an x86-64 executable ELF (machine ${eh.e_machine}, type ${eh.e_type})`);
  }
  const phSize = sizeOf(Elf64_Phdr);
  const table = pread(fd, eh.e_phnum * eh.e_phentsize, eh.e_phoff);
  const segments: ElfSegment[] = [];
  let pvhEntry: number | undefined;
  for (let i = 0; i < eh.e_phnum; i++) {
    const ph = decodeStruct<Phdr>(table.subarray(i * eh.e_phentsize, i * eh.e_phentsize + phSize), Elf64_Phdr);
    if (ph.p_type === PT_LOAD && ph.p_memsz > 0) {
      if (ph.p_filesz > ph.p_memsz) throw new LoaderError('bad-segment', `${path}: segment ${i} has filesz > memsz`);
      segments.push({ index: i, offset: ph.p_offset, paddr: ph.p_paddr, filesz: ph.p_filesz, memsz: ph.p_memsz });
    } else if (ph.p_type === PT_NOTE) {
      pvhEntry ??= findPvhEntry(pread(fd, ph.p_filesz, ph.p_offset));
    }
  }
  if (segments.length === 0) throw new LoaderError('bad-segment', `${path}: has no PT_LOAD segment`);
  if (pvhEntry === undefined) {
    throw new LoaderError('no-pvh-entry', `${path}: has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)`,
      'build the kernel with CONFIG_PVH=y');
  }
  segments.sort((a, b) => a.paddr - b.paddr);
  const last = segments[segments.length - 1]!;
  return { segments, kernelStart: segments[0]!.paddr, kernelEnd: last.paddr + last.memsz, pvhEntry };
}

/** Walks the notes in one PT_NOTE segment for Xen's PHYS32_ENTRY. */
export function findPvhEntry(notes: Uint8Array): number | undefined {
  const v = new DataView(notes.buffer, notes.byteOffset, notes.byteLength);
  const align4 = (n: number) => (n + 3) & ~3;
  const nh = sizeOf(Elf64_Nhdr);
  for (let at = 0; at + nh <= notes.length; ) {
    const namesz = v.getUint32(at, true);
    const descsz = v.getUint32(at + 4, true);
    const type = v.getUint32(at + 8, true);
    const nameAt = at + nh;
    const descAt = nameAt + align4(namesz);
    const name = String.fromCharCode(...notes.subarray(nameAt, nameAt + Math.max(0, namesz - 1)));
    if (name === 'Xen' && type === XEN_ELFNOTE_PHYS32_ENTRY) {
      return descsz >= 8 ? Number(v.getBigUint64(descAt, true)) : v.getUint32(descAt, true);
    }
    at = descAt + align4(descsz);
  }
  return undefined;
}
