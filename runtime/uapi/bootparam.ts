// asm/bootparam.h and asm/e820/types.h (Linux 6.1): the e820 entry and its types, shared by the
// zero page and the PVH memory map. Data only.
import koffi from 'koffi';

export const boot_e820_entry = koffi.pack('boot_e820_entry', {
  addr: 'uint64_t',
  size: 'uint64_t',
  type: 'uint32_t',
});

export const E820_TYPE = {
  RAM: 1,
  RESERVED: 2,
  ACPI: 3,
  NVS: 4,
  UNUSABLE: 5,
  PMEM: 7,
  /** Legacy persistent memory: what X86_PMEM_LEGACY turns into /dev/pmemN. */
  PRAM: 12,
} as const;
