// Every fixed guest-physical address of the x86-64 machine cc-run builds.

/** GDT for the PVH entry state; an empty IDT right after it. */
export const BOOT_GDT_START = 0x500;
export const BOOT_IDT_START = 0x520;
/** hvm_start_info, then its memory map. */
export const PVH_INFO_START = 0x6000;
export const MEMMAP_START = 0x7000;
/** Room for 128 memmap entries of 24 bytes before the command line. */
export const MEMMAP_MAX_ENTRIES = 128;
export const CMDLINE_START = 0x20000;
/** The last KiB of base memory, where the kernel looks for an MP table (and EBDA would sit). */
export const EBDA_START = 0x9fc00;
export const MPTABLE_START = EBDA_START;
/** Start of high memory, where the e820 map's main RAM range begins. */
export const HIMEM_START = 0x100000;

/** The PCI/MMIO hole under 4 GiB: RAM above 3 GiB moves to 4 GiB. */
export const MMIO_GAP_START = 0xc000_0000;
export const MMIO_GAP_END = 0x1_0000_0000;
/** Three pages for KVM_SET_TSS_ADDR and one for KVM_SET_IDENTITY_MAP_ADDR, inside the hole. */
export const KVM_TSS_ADDR = 0xfffb_d000;
export const KVM_IDENTITY_MAP_ADDR = 0xfffb_c000;
export const IOAPIC_START = 0xfec0_0000;
export const APIC_START = 0xfee0_0000;

/** The pmem region starts on this boundary (memory hotplug subsection size). */
export const PMEM_ALIGN = 2 * 1024 * 1024;
