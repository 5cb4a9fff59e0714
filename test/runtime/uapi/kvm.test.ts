// The ABI structs and ioctl numbers against the C compiler and the system headers
// (linux/kvm.h, asm/bootparam.h from linux-libc-dev).
import koffi from 'koffi';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as io from '../../../runtime/kvm/ioctls.js';
import * as K from '../../../runtime/uapi/kvm.js';
import { boot_e820_entry, E820_TYPE } from '../../../runtime/uapi/bootparam.js';
import { HVM_START_INFO_SIZES, hvm_memmap_table_entry, hvm_modlist_entry, hvm_start_info } from '../../../runtime/uapi/start_info.js';
import * as MP from '../../../runtime/uapi/mpspec.js';
import { cValues } from '../../helpers/c-values.js';

type StructType = Parameters<typeof koffi.sizeof>[0];

/** C struct name → [our type, fields to check offsets of] */
const STRUCTS: Record<string, [StructType, string[]]> = {
  kvm_userspace_memory_region: [K.kvm_userspace_memory_region, ['slot', 'flags', 'guest_phys_addr', 'memory_size', 'userspace_addr']],
  kvm_regs: [K.kvm_regs, ['rax', 'rbx', 'rsp', 'r15', 'rip', 'rflags']],
  kvm_segment: [K.kvm_segment, ['base', 'limit', 'selector', 'type', 'present', 'dpl', 'db', 's', 'l', 'g', 'avl', 'unusable']],
  kvm_dtable: [K.kvm_dtable, ['base', 'limit']],
  kvm_sregs: [K.kvm_sregs, ['cs', 'tr', 'ldt', 'gdt', 'idt', 'cr0', 'cr3', 'cr4', 'efer', 'apic_base', 'interrupt_bitmap']],
  kvm_cpuid_entry2: [K.kvm_cpuid_entry2, ['function', 'index', 'flags', 'eax', 'ebx', 'ecx', 'edx']],
  kvm_cpuid2: [K.kvm_cpuid2, ['nent']],
  kvm_pit_config: [K.kvm_pit_config, ['flags']],
  kvm_irq_level: [K.kvm_irq_level, ['irq', 'level']],
  kvm_lapic_state: [K.kvm_lapic_state, ['regs']],
  kvm_signal_mask: [K.kvm_signal_mask, ['len']],
  kvm_run: [K.kvm_run, ['request_interrupt_window', 'immediate_exit', 'exit_reason', 'if_flag', 'cr8', 'apic_base', 'kvm_valid_regs']],
  boot_e820_entry: [boot_e820_entry, ['addr', 'size', 'type']],
};

/** C expression → our value. */
const RUN_OFFSETS: Record<string, number> = {
  'offsetof(struct kvm_run, io.direction)': K.KVM_RUN_OFFSETS.io_direction,
  'offsetof(struct kvm_run, io.size)': K.KVM_RUN_OFFSETS.io_size,
  'offsetof(struct kvm_run, io.port)': K.KVM_RUN_OFFSETS.io_port,
  'offsetof(struct kvm_run, io.count)': K.KVM_RUN_OFFSETS.io_count,
  'offsetof(struct kvm_run, io.data_offset)': K.KVM_RUN_OFFSETS.io_data_offset,
  'offsetof(struct kvm_run, mmio.phys_addr)': K.KVM_RUN_OFFSETS.mmio_phys_addr,
  'offsetof(struct kvm_run, mmio.data)': K.KVM_RUN_OFFSETS.mmio_data,
  'offsetof(struct kvm_run, mmio.len)': K.KVM_RUN_OFFSETS.mmio_len,
  'offsetof(struct kvm_run, mmio.is_write)': K.KVM_RUN_OFFSETS.mmio_is_write,
  'offsetof(struct kvm_run, fail_entry.hardware_entry_failure_reason)': K.KVM_RUN_OFFSETS.fail_entry_reason,
  'offsetof(struct kvm_run, internal.suberror)': K.KVM_RUN_OFFSETS.internal_suberror,
  'offsetof(struct kvm_run, system_event.type)': K.KVM_RUN_OFFSETS.system_event_type,
};

const CONSTANTS: Record<string, number> = {
  KVM_API_VERSION: K.KVM_API_VERSION,
  KVM_GET_API_VERSION: io.KVM_GET_API_VERSION,
  KVM_CREATE_VM: io.KVM_CREATE_VM,
  KVM_CHECK_EXTENSION: io.KVM_CHECK_EXTENSION,
  KVM_GET_VCPU_MMAP_SIZE: io.KVM_GET_VCPU_MMAP_SIZE,
  KVM_GET_SUPPORTED_CPUID: io.KVM_GET_SUPPORTED_CPUID,
  KVM_CREATE_VCPU: io.KVM_CREATE_VCPU,
  KVM_SET_USER_MEMORY_REGION: io.KVM_SET_USER_MEMORY_REGION,
  KVM_SET_TSS_ADDR: io.KVM_SET_TSS_ADDR,
  KVM_SET_IDENTITY_MAP_ADDR: io.KVM_SET_IDENTITY_MAP_ADDR,
  KVM_CREATE_IRQCHIP: io.KVM_CREATE_IRQCHIP,
  KVM_IRQ_LINE: io.KVM_IRQ_LINE,
  KVM_CREATE_PIT2: io.KVM_CREATE_PIT2,
  KVM_RUN: io.KVM_RUN,
  KVM_GET_REGS: io.KVM_GET_REGS,
  KVM_SET_REGS: io.KVM_SET_REGS,
  KVM_GET_SREGS: io.KVM_GET_SREGS,
  KVM_SET_SREGS: io.KVM_SET_SREGS,
  KVM_SET_SIGNAL_MASK: io.KVM_SET_SIGNAL_MASK,
  KVM_GET_LAPIC: io.KVM_GET_LAPIC,
  KVM_SET_LAPIC: io.KVM_SET_LAPIC,
  KVM_SET_CPUID2: io.KVM_SET_CPUID2,
  KVM_EXIT_IO: K.KVM_EXIT.IO,
  KVM_EXIT_HLT: K.KVM_EXIT.HLT,
  KVM_EXIT_MMIO: K.KVM_EXIT.MMIO,
  KVM_EXIT_SHUTDOWN: K.KVM_EXIT.SHUTDOWN,
  KVM_EXIT_FAIL_ENTRY: K.KVM_EXIT.FAIL_ENTRY,
  KVM_EXIT_INTR: K.KVM_EXIT.INTR,
  KVM_EXIT_INTERNAL_ERROR: K.KVM_EXIT.INTERNAL_ERROR,
  KVM_EXIT_SYSTEM_EVENT: K.KVM_EXIT.SYSTEM_EVENT,
  KVM_EXIT_IO_IN: K.KVM_EXIT_IO_IN,
  KVM_EXIT_IO_OUT: K.KVM_EXIT_IO_OUT,
  KVM_SYSTEM_EVENT_SHUTDOWN: K.KVM_SYSTEM_EVENT.SHUTDOWN,
  KVM_SYSTEM_EVENT_RESET: K.KVM_SYSTEM_EVENT.RESET,
  KVM_SYSTEM_EVENT_CRASH: K.KVM_SYSTEM_EVENT.CRASH,
  KVM_CAP_IRQCHIP: K.Cap.IRQCHIP,
  KVM_CAP_USER_MEMORY: K.Cap.USER_MEMORY,
  KVM_CAP_SET_TSS_ADDR: K.Cap.SET_TSS_ADDR,
  KVM_CAP_EXT_CPUID: K.Cap.EXT_CPUID,
  KVM_CAP_NR_VCPUS: K.Cap.NR_VCPUS,
  KVM_CAP_PIT2: K.Cap.PIT2,
  KVM_CAP_SET_IDENTITY_MAP_ADDR: K.Cap.SET_IDENTITY_MAP_ADDR,
  KVM_CAP_MAX_VCPUS: K.Cap.MAX_VCPUS,
  KVM_PIT_SPEAKER_DUMMY: K.KVM_PIT_SPEAKER_DUMMY,
  KVM_APIC_REG_SIZE: K.KVM_APIC_REG_SIZE,
  E820_TYPE_RAM: E820_TYPE.RAM,
  E820_TYPE_RESERVED: E820_TYPE.RESERVED,
};

test('struct sizes, offsets, kvm_run union offsets and ioctl numbers match gcc and the system headers', () => {
  /** C expression → our value. */
  const ours: Record<string, number> = { ...RUN_OFFSETS, ...CONSTANTS };
  for (const [name, [type, fields]] of Object.entries(STRUCTS)) {
    ours[`sizeof(struct ${name})`] = koffi.sizeof(type);
    for (const f of fields) ours[`offsetof(struct ${name}, ${f})`] = koffi.offsetof(type, f);
  }
  const c = cValues(['#include <linux/kvm.h>', '#include <asm/bootparam.h>', '#define E820_TYPE_RAM 1', '#define E820_TYPE_RESERVED 2'], Object.keys(ours));
  for (const [expr, value] of Object.entries(ours)) assert.is(value, c[expr], expr);
});

test('start_info and MP table structs have the sizes their specs fix', () => {
  assert.is(koffi.sizeof(hvm_start_info), HVM_START_INFO_SIZES.hvm_start_info);
  assert.is(koffi.sizeof(hvm_modlist_entry), HVM_START_INFO_SIZES.hvm_modlist_entry);
  assert.is(koffi.sizeof(hvm_memmap_table_entry), HVM_START_INFO_SIZES.hvm_memmap_table_entry);
  assert.is(koffi.offsetof(hvm_start_info, 'cmdline_paddr'), 24);
  assert.is(koffi.offsetof(hvm_start_info, 'memmap_paddr'), 40);
  assert.is(koffi.offsetof(hvm_start_info, 'memmap_entries'), 48);
  for (const [name, size] of Object.entries(MP.MPSPEC_SIZES)) {
    assert.is(koffi.sizeof((MP as unknown as Record<string, StructType>)[name]!), size, name);
  }
});

test.run();
