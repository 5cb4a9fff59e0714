// elf.h (linux/elf.h, 64-bit): the headers the vmlinux loader reads. Data only.
import koffi from 'koffi';

export const ELFMAG = '\x7fELF';
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ET_EXEC = 2;
export const EM_X86_64 = 62;
export const PT_LOAD = 1;
export const PT_NOTE = 4;

export const Elf64_Ehdr = koffi.struct('Elf64_Ehdr', {
  e_ident: koffi.array('uint8_t', 16),
  e_type: 'uint16_t',
  e_machine: 'uint16_t',
  e_version: 'uint32_t',
  e_entry: 'uint64_t',
  e_phoff: 'uint64_t',
  e_shoff: 'uint64_t',
  e_flags: 'uint32_t',
  e_ehsize: 'uint16_t',
  e_phentsize: 'uint16_t',
  e_phnum: 'uint16_t',
  e_shentsize: 'uint16_t',
  e_shnum: 'uint16_t',
  e_shstrndx: 'uint16_t',
});

export const Elf64_Phdr = koffi.struct('Elf64_Phdr', {
  p_type: 'uint32_t',
  p_flags: 'uint32_t',
  p_offset: 'uint64_t',
  p_vaddr: 'uint64_t',
  p_paddr: 'uint64_t',
  p_filesz: 'uint64_t',
  p_memsz: 'uint64_t',
  p_align: 'uint64_t',
});

export const Elf64_Nhdr = koffi.struct('Elf64_Nhdr', {
  n_namesz: 'uint32_t',
  n_descsz: 'uint32_t',
  n_type: 'uint32_t',
});

/** xen/include/public/elfnote.h: the PVH 32-bit entry point, in a note named "Xen". */
export const XEN_ELFNOTE_PHYS32_ENTRY = 18;
