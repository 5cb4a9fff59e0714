// The vmlinux layout cc-build promises and cc-run relies on: an uncompressed x86-64 ELF64
// executable, its PT_LOAD program headers and the PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY in a
// note named "Xen"). This one reader serves the builder's check, the runtime's loader and the lab.
// It reports what the file says and refuses what it cannot read safely (every offset and size is
// checked against the file before it is read); policy stays with each caller: page alignment,
// which segments to map, whether a missing PVH note is fatal, and the caller's own error class,
// which wraps VmlinuxError as `cause`.
// Layouts from include/uapi/linux/elf.h; test/manifest/vmlinux.test.ts checks them against <elf.h>.
import { fstatSync, readSync } from 'node:fs';

export const ELFMAG = '\x7fELF';
export const EI_CLASS = 4;
export const EI_DATA = 5;
export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ET_EXEC = 2;
export const EM_X86_64 = 62;
export const PT_LOAD = 1;
export const PT_NOTE = 4;
/** e_phnum saying "the real count is in section header 0": never used by a vmlinux. */
export const PN_XNUM = 0xffff;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;
/** xen/include/public/elfnote.h: the 32-bit physical entry point used by PVH boot. */
export const XEN_ELFNOTE_PHYS32_ENTRY = 18;
export const XEN_NOTE_NAME = 'Xen';

/** Field offsets and sizes of the three structs read, as in <elf.h>. */
export const Elf64_Ehdr = { e_ident: 0, e_type: 16, e_machine: 18, e_phoff: 32, e_phentsize: 54, e_phnum: 56 } as const;
export const Elf64_Phdr = { p_type: 0, p_flags: 4, p_offset: 8, p_vaddr: 16, p_paddr: 24, p_filesz: 32, p_memsz: 40, p_align: 48 } as const;
export const Elf64_Nhdr = { n_namesz: 0, n_descsz: 4, n_type: 8 } as const;
export const ELF64_SIZEOF = { Elf64_Ehdr: 64, Elf64_Phdr: 56, Elf64_Nhdr: 12 } as const;

/** x86-64 physical addresses have at most 52 bits; beyond that a p_paddr is nonsense, not a kernel. */
const MAX_PHYS_ADDR = 2n ** 52n;
/** A vmlinux's notes take a few hundred bytes; a PT_NOTE far larger is not one to read into memory. */
export const MAX_NOTES_SIZE = 1 << 20;

export interface VmlinuxLoad {
  /** Its index in the program header table, as `readelf -l` counts. */
  index: number;
  offset: number;
  /** Kernel virtual address (0xffffffff8…): 64 bits, so a bigint. */
  vaddr: bigint;
  paddr: number;
  filesz: number;
  memsz: number;
  /** PF_R | PF_W | PF_X */
  flags: number;
}

export interface VmlinuxLayout {
  /** Every PT_LOAD, in program header order; at least one. Each lies within the file. */
  loads: VmlinuxLoad[];
  /** XEN_ELFNOTE_PHYS32_ENTRY from the first Xen note that has one; undefined without CONFIG_PVH. */
  pvhEntry?: number;
}

export type VmlinuxErrorKind =
  | 'not-elf'
  | 'bzimage'
  | 'wrong-class'
  | 'wrong-machine'
  | 'wrong-type'
  | 'truncated'
  | 'bad-header'
  | 'bad-segment'
  | 'bad-note';

/** Says what is wrong with the file, not which file: the caller's own error names it (`${path}: ${message}`). */
export class VmlinuxError extends Error {
  constructor(
    readonly kind: VmlinuxErrorKind,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'VmlinuxError';
  }
}

/** The layout of a vmlinux held in memory (the lab's decompressed kernels, tests). */
export function parseVmlinux(image: Uint8Array): VmlinuxLayout {
  return readLayout({
    size: image.length,
    read: (offset, length) => image.subarray(offset, offset + length),
  });
}

/** The layout of the vmlinux open at `fd`: reads the headers and notes only, a few KiB whatever the kernel's size. */
export function readVmlinuxLayout(fd: number): VmlinuxLayout {
  const st = fstatSync(fd);
  if (!st.isFile()) throw new VmlinuxError('not-elf', 'is not a regular file', 'pass the uncompressed vmlinux from a kernel build');
  return readLayout({
    size: st.size,
    read: (offset, length) => {
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, buf, done, length - done, offset + done);
        if (n === 0) throw new VmlinuxError('truncated', `truncated: the file ended at ${hex(offset + done)} while being read`);
        done += n;
      }
      return buf;
    },
  });
}

/** Random access to the file; `read` is only called for ranges already checked to lie within `size`. */
interface Source {
  size: number;
  read(offset: number, length: number): Uint8Array;
}

function readLayout(src: Source): VmlinuxLayout {
  const ehdr = readHeader(src);
  const phoff = ehdr.getBigUint64(Elf64_Ehdr.e_phoff, true);
  const phentsize = ehdr.getUint16(Elf64_Ehdr.e_phentsize, true);
  const phnum = ehdr.getUint16(Elf64_Ehdr.e_phnum, true);
  if (phentsize !== ELF64_SIZEOF.Elf64_Phdr) {
    throw new VmlinuxError('bad-header', `e_phentsize ${phentsize} is not sizeof(Elf64_Phdr) (${ELF64_SIZEOF.Elf64_Phdr})`);
  }
  if (phnum === PN_XNUM) throw new VmlinuxError('bad-header', 'e_phnum is PN_XNUM (extended numbering), which no vmlinux uses');
  const table = view(readChecked(src, phoff, BigInt(phnum * phentsize), `the program header table (${phnum} entries at ${hex(phoff)})`));

  const loads: VmlinuxLoad[] = [];
  let pvhEntry: number | undefined;
  for (let index = 0; index < phnum; index++) {
    const at = index * phentsize;
    const type = table.getUint32(at + Elf64_Phdr.p_type, true);
    const offset = table.getBigUint64(at + Elf64_Phdr.p_offset, true);
    const filesz = table.getBigUint64(at + Elf64_Phdr.p_filesz, true);
    if (type === PT_LOAD) {
      const paddr = table.getBigUint64(at + Elf64_Phdr.p_paddr, true);
      const memsz = table.getBigUint64(at + Elf64_Phdr.p_memsz, true);
      const what = `PT_LOAD #${index}`;
      if (filesz > memsz) throw new VmlinuxError('bad-segment', `${what} has p_filesz ${hex(filesz)} > p_memsz ${hex(memsz)}`);
      if (paddr + memsz > MAX_PHYS_ADDR) {
        throw new VmlinuxError('bad-segment', `${what} spans p_paddr ${hex(paddr)} + p_memsz ${hex(memsz)}, beyond the 52-bit physical address space`);
      }
      checkWithin(src, offset, filesz, what);
      loads.push({
        index,
        offset: Number(offset),
        vaddr: table.getBigUint64(at + Elf64_Phdr.p_vaddr, true),
        paddr: Number(paddr),
        filesz: Number(filesz),
        memsz: Number(memsz),
        flags: table.getUint32(at + Elf64_Phdr.p_flags, true),
      });
    } else if (type === PT_NOTE) {
      const what = `PT_NOTE #${index}`;
      if (filesz > BigInt(MAX_NOTES_SIZE)) {
        throw new VmlinuxError('bad-note', `${what} is ${hex(filesz)} bytes, more than the ${hex(MAX_NOTES_SIZE)} a vmlinux's notes could take`);
      }
      const align = table.getBigUint64(at + Elf64_Phdr.p_align, true) === 8n ? 8 : 4;
      const entry = findPvhEntry(readChecked(src, offset, filesz, what), align, what);
      pvhEntry ??= entry;
    }
  }
  if (loads.length === 0) throw new VmlinuxError('bad-segment', 'has no PT_LOAD segment');
  return pvhEntry === undefined ? { loads } : { loads, pvhEntry };
}

/** The ELF64 header, after the checks that make it an x86-64 executable. */
function readHeader(src: Source): DataView {
  const head = src.read(0, Math.min(src.size, 0x400));
  if (head.length < 4 || String.fromCharCode(...head.subarray(0, 4)) !== ELFMAG) {
    // boot_params.hdr.header at 0x202 (Documentation/arch/x86/boot.rst).
    if (head.length >= 0x206 && String.fromCharCode(...head.subarray(0x202, 0x206)) === 'HdrS') {
      throw new VmlinuxError('bzimage', 'is a compressed bzImage, not an uncompressed vmlinux ELF',
        'extract it with linux/scripts/extract-vmlinux, or use vmlinux from the kernel build tree');
    }
    throw new VmlinuxError('not-elf', 'is not an ELF file', 'pass the uncompressed vmlinux from a kernel build');
  }
  if (head.length > EI_CLASS && head[EI_CLASS] !== ELFCLASS64) {
    throw new VmlinuxError('wrong-class', `is a ${head[EI_CLASS] === ELFCLASS32 ? '32-bit' : `class ${head[EI_CLASS]}`} ELF, not ELF64`,
      'an x86-64 kernel build links a 64-bit vmlinux');
  }
  if (head.length > EI_DATA && head[EI_DATA] !== ELFDATA2LSB) throw new VmlinuxError('wrong-class', 'is not a little-endian ELF');
  if (head.length < ELF64_SIZEOF.Elf64_Ehdr) {
    throw new VmlinuxError('truncated', `truncated: ${head.length} bytes, shorter than an ELF64 header (${ELF64_SIZEOF.Elf64_Ehdr})`);
  }
  const ehdr = view(head);
  const machine = ehdr.getUint16(Elf64_Ehdr.e_machine, true);
  if (machine !== EM_X86_64) throw new VmlinuxError('wrong-machine', `e_machine ${machine} is not x86-64 (${EM_X86_64})`);
  const type = ehdr.getUint16(Elf64_Ehdr.e_type, true);
  if (type !== ET_EXEC) throw new VmlinuxError('wrong-type', `e_type ${type} is not an executable (ET_EXEC ${ET_EXEC})`);
  return ehdr;
}

/**
 * Walks Elf64_Nhdr records (namesz, descsz, type, name, desc, each padded to `align`) and returns
 * the PVH entry point of the first Xen PHYS32_ENTRY note. Trailing bytes too few for a header are
 * padding; a note whose sizes run past the segment is an error.
 */
function findPvhEntry(notes: Uint8Array, align: number, what: string): number | undefined {
  const v = view(notes);
  const pad = (n: number): number => Math.ceil(n / align) * align;
  let entry: number | undefined;
  for (let at = 0; at + ELF64_SIZEOF.Elf64_Nhdr <= notes.length;) {
    const namesz = v.getUint32(at + Elf64_Nhdr.n_namesz, true);
    const descsz = v.getUint32(at + Elf64_Nhdr.n_descsz, true);
    const type = v.getUint32(at + Elf64_Nhdr.n_type, true);
    const nameAt = at + ELF64_SIZEOF.Elf64_Nhdr;
    const descAt = nameAt + pad(namesz);
    if (nameAt + namesz > notes.length || descAt + descsz > notes.length) {
      throw new VmlinuxError('bad-note',
        `${what}: the note at +${hex(at)} has n_namesz ${hex(namesz)} and n_descsz ${hex(descsz)}, past the end of the segment (${hex(notes.length)} bytes)`);
    }
    if (entry === undefined && type === XEN_ELFNOTE_PHYS32_ENTRY && isXen(notes.subarray(nameAt, nameAt + namesz))) {
      entry = pvhEntryOf(v, descAt, descsz, what);
    }
    at = descAt + pad(descsz);
  }
  return entry;
}

/** The note's name, NUL-terminated as the kernel writes it or not. */
function isXen(name: Uint8Array): boolean {
  let end = name.length;
  while (end > 0 && name[end - 1] === 0) end--;
  return end === XEN_NOTE_NAME.length && [...XEN_NOTE_NAME].every((c, i) => name[i] === c.charCodeAt(0));
}

/** The kernel writes the entry with _ASM_PTR (8 bytes on x86-64); a 4-byte descriptor is also valid. */
function pvhEntryOf(v: DataView, at: number, size: number, what: string): number {
  if (size === 4) return v.getUint32(at, true);
  if (size !== 8) throw new VmlinuxError('bad-note', `${what}: the Xen PHYS32_ENTRY note has a ${size}-byte descriptor, not 4 or 8`);
  const entry = v.getBigUint64(at, true);
  if (entry >= 2n ** 32n) throw new VmlinuxError('bad-note', `${what}: the PVH entry point ${hex(entry)} does not fit in 32 bits`);
  return Number(entry);
}

function checkWithin(src: Source, offset: bigint, length: bigint, what: string): void {
  if (offset + length > BigInt(src.size)) {
    throw new VmlinuxError('truncated',
      `truncated: ${what} (${hex(length)} bytes at ${hex(offset)}) runs past the end of the file (${hex(src.size)} bytes)`);
  }
}

function readChecked(src: Source, offset: bigint, length: bigint, what: string): Uint8Array {
  checkWithin(src, offset, length, what);
  return src.read(Number(offset), Number(length));
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}
