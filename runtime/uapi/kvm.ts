// linux/kvm.h (Linux 6.1 uapi, x86-64): the structs the VMM passes to KVM, named as the header
// spells them. Data only; test/runtime/uapi/kvm.test.ts checks sizes and offsets against gcc.
import koffi from 'koffi';

export const KVMIO = 0xae;
export const KVM_API_VERSION = 12;

export const kvm_userspace_memory_region = koffi.struct('kvm_userspace_memory_region', {
  slot: 'uint32_t',
  flags: 'uint32_t',
  guest_phys_addr: 'uint64_t',
  memory_size: 'uint64_t',
  userspace_addr: 'uint64_t',
});
export const KVM_MEM_LOG_DIRTY_PAGES = 1 << 0;
export const KVM_MEM_READONLY = 1 << 1;

export const kvm_regs = koffi.struct('kvm_regs', {
  rax: 'uint64_t', rbx: 'uint64_t', rcx: 'uint64_t', rdx: 'uint64_t',
  rsi: 'uint64_t', rdi: 'uint64_t', rsp: 'uint64_t', rbp: 'uint64_t',
  r8: 'uint64_t', r9: 'uint64_t', r10: 'uint64_t', r11: 'uint64_t',
  r12: 'uint64_t', r13: 'uint64_t', r14: 'uint64_t', r15: 'uint64_t',
  rip: 'uint64_t', rflags: 'uint64_t',
});

export const kvm_segment = koffi.struct('kvm_segment', {
  base: 'uint64_t',
  limit: 'uint32_t',
  selector: 'uint16_t',
  type: 'uint8_t',
  present: 'uint8_t',
  dpl: 'uint8_t',
  db: 'uint8_t',
  s: 'uint8_t',
  l: 'uint8_t',
  g: 'uint8_t',
  avl: 'uint8_t',
  unusable: 'uint8_t',
  padding: 'uint8_t',
});

export const kvm_dtable = koffi.struct('kvm_dtable', {
  base: 'uint64_t',
  limit: 'uint16_t',
  padding: koffi.array('uint16_t', 3),
});

export const KVM_NR_INTERRUPTS = 256;
export const kvm_sregs = koffi.struct('kvm_sregs', {
  cs: kvm_segment, ds: kvm_segment, es: kvm_segment, fs: kvm_segment,
  gs: kvm_segment, ss: kvm_segment, tr: kvm_segment, ldt: kvm_segment,
  gdt: kvm_dtable, idt: kvm_dtable,
  cr0: 'uint64_t', cr2: 'uint64_t', cr3: 'uint64_t', cr4: 'uint64_t', cr8: 'uint64_t',
  efer: 'uint64_t',
  apic_base: 'uint64_t',
  interrupt_bitmap: koffi.array('uint64_t', (KVM_NR_INTERRUPTS + 63) / 64),
});

export const kvm_cpuid_entry2 = koffi.struct('kvm_cpuid_entry2', {
  function: 'uint32_t',
  index: 'uint32_t',
  flags: 'uint32_t',
  eax: 'uint32_t',
  ebx: 'uint32_t',
  ecx: 'uint32_t',
  edx: 'uint32_t',
  padding: koffi.array('uint32_t', 3),
});
/** Header of `struct kvm_cpuid2`; `entries[nent]` follow it. */
export const kvm_cpuid2 = koffi.struct('kvm_cpuid2', {
  nent: 'uint32_t',
  padding: 'uint32_t',
});
export const KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1 << 0;
/** KVM_GET_SUPPORTED_CPUID's array size limit (KVM_MAX_CPUID_ENTRIES in arch/x86/include/asm/kvm_host.h). */
export const KVM_MAX_CPUID_ENTRIES = 256;

export const kvm_pit_config = koffi.struct('kvm_pit_config', {
  flags: 'uint32_t',
  pad: koffi.array('uint32_t', 15),
});
export const KVM_PIT_SPEAKER_DUMMY = 1;

export const kvm_irq_level = koffi.struct('kvm_irq_level', {
  irq: 'uint32_t', // union { __u32 irq; __s32 status; }
  level: 'uint32_t',
});

export const KVM_APIC_REG_SIZE = 0x400;
export const kvm_lapic_state = koffi.struct('kvm_lapic_state', {
  regs: koffi.array('uint8_t', KVM_APIC_REG_SIZE), // char regs[] in the header
});

/** Header of `struct kvm_signal_mask`; `sigset[len]` follows it. */
export const kvm_signal_mask = koffi.struct('kvm_signal_mask', {
  len: 'uint32_t',
});

// struct kvm_run: the page shared with KVM for each vCPU. The exit union starts at offset 32 and is
// 256 bytes; only the members the VMM reads are declared (kvm_sync_regs only as its padding).
const kvm_run_io = koffi.struct('kvm_run_io', {
  direction: 'uint8_t',
  size: 'uint8_t',
  port: 'uint16_t',
  count: 'uint32_t',
  data_offset: 'uint64_t',
});
const kvm_run_mmio = koffi.struct('kvm_run_mmio', {
  phys_addr: 'uint64_t',
  data: koffi.array('uint8_t', 8),
  len: 'uint32_t',
  is_write: 'uint8_t',
});
const kvm_run_fail_entry = koffi.struct('kvm_run_fail_entry', {
  hardware_entry_failure_reason: 'uint64_t',
  cpu: 'uint32_t',
});
const kvm_run_internal = koffi.struct('kvm_run_internal', {
  suberror: 'uint32_t',
  ndata: 'uint32_t',
  data: koffi.array('uint64_t', 16),
});
const kvm_run_system_event = koffi.struct('kvm_run_system_event', {
  type: 'uint32_t',
  ndata: 'uint32_t',
  data: koffi.array('uint64_t', 16),
});
export const kvm_run = koffi.struct('kvm_run', {
  request_interrupt_window: 'uint8_t',
  immediate_exit: 'uint8_t',
  padding1: koffi.array('uint8_t', 6),
  exit_reason: 'uint32_t',
  ready_for_interrupt_injection: 'uint8_t',
  if_flag: 'uint8_t',
  flags: 'uint16_t',
  cr8: 'uint64_t',
  apic_base: 'uint64_t',
  u: koffi.union('kvm_run_exit', {
    io: kvm_run_io,
    mmio: kvm_run_mmio,
    fail_entry: kvm_run_fail_entry,
    internal: kvm_run_internal,
    system_event: kvm_run_system_event,
    padding: koffi.array('uint8_t', 256),
  }),
  kvm_valid_regs: 'uint64_t',
  kvm_dirty_regs: 'uint64_t',
  s: koffi.union('kvm_run_sync_regs', { padding: koffi.array('uint8_t', 2048) }),
});

/** Byte offsets into kvm_run for the hot path, which reads it through a DataView (LAB.md). */
const U = koffi.offsetof(kvm_run, 'u');
export const KVM_RUN_OFFSETS = {
  immediate_exit: koffi.offsetof(kvm_run, 'immediate_exit'),
  exit_reason: koffi.offsetof(kvm_run, 'exit_reason'),
  io_direction: U + koffi.offsetof(kvm_run_io, 'direction'),
  io_size: U + koffi.offsetof(kvm_run_io, 'size'),
  io_port: U + koffi.offsetof(kvm_run_io, 'port'),
  io_count: U + koffi.offsetof(kvm_run_io, 'count'),
  io_data_offset: U + koffi.offsetof(kvm_run_io, 'data_offset'),
  mmio_phys_addr: U + koffi.offsetof(kvm_run_mmio, 'phys_addr'),
  mmio_data: U + koffi.offsetof(kvm_run_mmio, 'data'),
  mmio_len: U + koffi.offsetof(kvm_run_mmio, 'len'),
  mmio_is_write: U + koffi.offsetof(kvm_run_mmio, 'is_write'),
  fail_entry_reason: U + koffi.offsetof(kvm_run_fail_entry, 'hardware_entry_failure_reason'),
  internal_suberror: U + koffi.offsetof(kvm_run_internal, 'suberror'),
  system_event_type: U + koffi.offsetof(kvm_run_system_event, 'type'),
} as const;

export const KVM_EXIT = {
  UNKNOWN: 0,
  EXCEPTION: 1,
  IO: 2,
  HYPERCALL: 3,
  DEBUG: 4,
  HLT: 5,
  MMIO: 6,
  IRQ_WINDOW_OPEN: 7,
  SHUTDOWN: 8,
  FAIL_ENTRY: 9,
  INTR: 10,
  INTERNAL_ERROR: 17,
  SYSTEM_EVENT: 24,
} as const;
export const KVM_EXIT_IO_IN = 0;
export const KVM_EXIT_IO_OUT = 1;
export const KVM_SYSTEM_EVENT = { SHUTDOWN: 1, RESET: 2, CRASH: 3 } as const;

/** KVM_CHECK_EXTENSION arguments used here (KVM_CAP_* in linux/kvm.h). */
export const enum Cap {
  IRQCHIP = 0,
  HLT = 1,
  USER_MEMORY = 3,
  SET_TSS_ADDR = 4,
  EXT_CPUID = 7,
  NR_VCPUS = 9,
  NR_MEMSLOTS = 10,
  PIT2 = 33,
  SET_IDENTITY_MAP_ADDR = 37,
  IMMEDIATE_EXIT = 136,
  MAX_VCPUS = 66,
}
