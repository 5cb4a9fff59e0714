// xen/include/public/arch-x86/hvm/start_info.h (as used by Linux 6.1 arch/x86/platform/pvh):
// what a PVH loader hands the kernel in %ebx. Data only.
import koffi from 'koffi';

export const XEN_HVM_START_MAGIC_VALUE = 0x336ec578;

export const hvm_start_info = koffi.struct('hvm_start_info', {
  magic: 'uint32_t',
  version: 'uint32_t',
  flags: 'uint32_t',
  nr_modules: 'uint32_t',
  modlist_paddr: 'uint64_t',
  cmdline_paddr: 'uint64_t',
  rsdp_paddr: 'uint64_t',
  memmap_paddr: 'uint64_t',
  memmap_entries: 'uint32_t',
  reserved: 'uint32_t',
});

export const hvm_modlist_entry = koffi.struct('hvm_modlist_entry', {
  paddr: 'uint64_t',
  size: 'uint64_t',
  cmdline_paddr: 'uint64_t',
  reserved: 'uint64_t',
});

export const hvm_memmap_table_entry = koffi.struct('hvm_memmap_table_entry', {
  addr: 'uint64_t',
  size: 'uint64_t',
  type: 'uint32_t',
  reserved: 'uint32_t',
});

/** Sizes the header fixes (linux-loader asserts the same): the header is not in linux-libc-dev. */
export const HVM_START_INFO_SIZES = { hvm_start_info: 56, hvm_modlist_entry: 32, hvm_memmap_table_entry: 24 } as const;
