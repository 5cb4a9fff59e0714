// Writes what the PVH entry expects: hvm_start_info, its memory map and the command line.
import type { GuestMemory } from '../memory/guest-memory.js';
import { encodeStruct, sizeOf } from '../uapi/codec.js';
import { hvm_memmap_table_entry, hvm_start_info, XEN_HVM_START_MAGIC_VALUE } from '../uapi/start_info.js';

export interface MemmapEntry {
  addr: number;
  size: number;
  /** An e820 type (runtime/uapi/bootparam.ts E820_TYPE). */
  type: number;
}

export interface PvhBootInfo {
  startInfoAddr: number;
  memmapAddr: number;
  cmdlineAddr: number;
  cmdline: Uint8Array;
  memmap: MemmapEntry[];
}

/** Writes start info, memmap and cmdline; returns the address for %ebx. */
export function writePvhBootInfo(mem: GuestMemory, info: PvhBootInfo): number {
  mem.write(info.cmdlineAddr, info.cmdline);
  const entrySize = sizeOf(hvm_memmap_table_entry);
  info.memmap.forEach((e, i) =>
    mem.write(info.memmapAddr + i * entrySize, encodeStruct(hvm_memmap_table_entry, { ...e, reserved: 0 })),
  );
  mem.write(info.startInfoAddr, encodeStruct(hvm_start_info, {
    magic: XEN_HVM_START_MAGIC_VALUE,
    // Version 1 has the memmap fields.
    version: 1,
    flags: 0,
    nr_modules: 0,
    modlist_paddr: 0,
    cmdline_paddr: info.cmdlineAddr,
    rsdp_paddr: 0,
    memmap_paddr: info.memmapAddr,
    memmap_entries: info.memmap.length,
    reserved: 0,
  }));
  return info.startInfoAddr;
}
