// VcpuFd: one virtual CPU. Thin wrappers, no policy; run() decodes kvm_run once per exit.
import { close, EAGAIN, EINTR, ioctlPtr, ioctlRaw, MAP_SHARED, mmap, munmap, PROT_READ, PROT_WRITE, SysError, view } from '../sys/libc.js';
import {
  KVM_EXIT, KVM_EXIT_IO_OUT, KVM_RUN_OFFSETS as R, kvm_cpuid_entry2, kvm_lapic_state, kvm_regs, kvm_sregs,
} from '../uapi/kvm.js';
import { decodeStruct, encodeInto, encodeStruct, sizeOf } from '../uapi/codec.js';
import * as io from './ioctls.js';
import type { CpuidEntry } from './system.js';

/** What stopped KVM_RUN, decoded once. `data` views kvm_run: an in-handler fills it before the next run. */
export type VcpuExit =
  | { kind: 'io-in'; port: number; size: number; count: number; data: Uint8Array }
  | { kind: 'io-out'; port: number; size: number; count: number; data: Uint8Array }
  | { kind: 'mmio-read'; addr: number; data: Uint8Array }
  | { kind: 'mmio-write'; addr: number; data: Uint8Array }
  | { kind: 'hlt' }
  | { kind: 'shutdown' }
  | { kind: 'fail-entry'; reason: bigint }
  | { kind: 'internal-error'; suberror: number }
  | { kind: 'system-event'; type: number }
  | { kind: 'interrupted' }
  | { kind: 'unknown'; reason: number };

export type VcpuExitKind = VcpuExit['kind'];

export type Regs = Record<
  'rax' | 'rbx' | 'rcx' | 'rdx' | 'rsi' | 'rdi' | 'rsp' | 'rbp' | 'r8' | 'r9' | 'r10' | 'r11' | 'r12' | 'r13' | 'r14' | 'r15' | 'rip' | 'rflags',
  number | bigint
>;

export interface Segment {
  base: number; limit: number; selector: number; type: number; present: number; dpl: number;
  db: number; s: number; l: number; g: number; avl: number; unusable: number; padding: number;
}
export interface Dtable { base: number; limit: number; padding: number[] | Uint16Array }
export interface Sregs {
  cs: Segment; ds: Segment; es: Segment; fs: Segment; gs: Segment; ss: Segment; tr: Segment; ldt: Segment;
  gdt: Dtable; idt: Dtable;
  cr0: number; cr2: number; cr3: number; cr4: number; cr8: number; efer: number; apic_base: number;
  interrupt_bitmap: number[] | BigUint64Array;
}

export class VcpuFd {
  private run8?: Uint8Array;
  private runView?: DataView;
  private runAddr?: bigint;
  private runSize = 0;

  constructor(readonly fd: number, readonly id: number) {}

  /** KVM_GET_REGS. */
  getRegs(): Regs {
    const bytes = new Uint8Array(sizeOf(kvm_regs));
    ioctlPtr(this.fd, io.KVM_GET_REGS, bytes, 'KVM_GET_REGS');
    return decodeStruct<Regs>(bytes, kvm_regs);
  }

  /** KVM_SET_REGS. */
  setRegs(regs: Regs): void {
    ioctlPtr(this.fd, io.KVM_SET_REGS, encodeStruct(kvm_regs, regs), 'KVM_SET_REGS');
  }

  /** KVM_GET_SREGS. */
  getSregs(): Sregs {
    const bytes = new Uint8Array(sizeOf(kvm_sregs));
    ioctlPtr(this.fd, io.KVM_GET_SREGS, bytes, 'KVM_GET_SREGS');
    return decodeStruct<Sregs>(bytes, kvm_sregs);
  }

  /** KVM_SET_SREGS. */
  setSregs(sregs: Sregs): void {
    ioctlPtr(this.fd, io.KVM_SET_SREGS, encodeStruct(kvm_sregs, sregs), 'KVM_SET_SREGS');
  }

  /** KVM_SET_CPUID2. */
  setCpuid2(entries: CpuidEntry[]): void {
    const entrySize = sizeOf(kvm_cpuid_entry2);
    const bytes = new Uint8Array(8 + entries.length * entrySize);
    new DataView(bytes.buffer).setUint32(0, entries.length, true);
    entries.forEach((e, i) => encodeInto(bytes, 8 + i * entrySize, kvm_cpuid_entry2, { ...e, padding: [0, 0, 0] }));
    ioctlPtr(this.fd, io.KVM_SET_CPUID2, bytes, 'KVM_SET_CPUID2');
  }

  /** KVM_GET_LAPIC: the local APIC's 1 KiB register page. */
  getLapic(): Uint8Array {
    const bytes = new Uint8Array(sizeOf(kvm_lapic_state));
    ioctlPtr(this.fd, io.KVM_GET_LAPIC, bytes, 'KVM_GET_LAPIC');
    return bytes;
  }

  /** KVM_SET_LAPIC. */
  setLapic(regs: Uint8Array): void {
    ioctlPtr(this.fd, io.KVM_SET_LAPIC, regs, 'KVM_SET_LAPIC');
  }

  /** KVM_SET_SIGNAL_MASK: the signals blocked while the guest runs (the kernel sigset is 8 bytes). */
  setSignalMask(blocked: bigint): void {
    const bytes = new Uint8Array(12);
    const v = new DataView(bytes.buffer);
    v.setUint32(0, 8, true);
    v.setBigUint64(4, blocked, true);
    ioctlPtr(this.fd, io.KVM_SET_SIGNAL_MASK, bytes, 'KVM_SET_SIGNAL_MASK');
  }

  /** Maps this vCPU's kvm_run page (size from KVM_GET_VCPU_MMAP_SIZE); needed before run(). */
  mapRun(size: number): void {
    this.runAddr = mmap(null, size, PROT_READ | PROT_WRITE, MAP_SHARED, this.fd, 0);
    this.runSize = size;
    const ab = view(this.runAddr, size);
    this.run8 = new Uint8Array(ab);
    this.runView = new DataView(ab);
  }

  /** KVM_RUN, decoded. EINTR (a kick) and EAGAIN come back as 'interrupted'. */
  run(): VcpuExit {
    const r = ioctlRaw(this.fd, io.KVM_RUN, 0);
    if (r < 0) {
      if (r === -EINTR || r === -EAGAIN) return { kind: 'interrupted' };
      throw new SysError('KVM_RUN', -r);
    }
    const v = this.runView!;
    const reason = v.getUint32(R.exit_reason, true);
    switch (reason) {
      case KVM_EXIT.IO: {
        const size = v.getUint8(R.io_size);
        const count = v.getUint32(R.io_count, true);
        const off = Number(v.getBigUint64(R.io_data_offset, true));
        const data = this.run8!.subarray(off, off + size * count);
        const port = v.getUint16(R.io_port, true);
        return v.getUint8(R.io_direction) === KVM_EXIT_IO_OUT
          ? { kind: 'io-out', port, size, count, data }
          : { kind: 'io-in', port, size, count, data };
      }
      case KVM_EXIT.MMIO: {
        const addr = Number(v.getBigUint64(R.mmio_phys_addr, true));
        const len = v.getUint32(R.mmio_len, true);
        const data = this.run8!.subarray(R.mmio_data, R.mmio_data + len);
        return v.getUint8(R.mmio_is_write) ? { kind: 'mmio-write', addr, data } : { kind: 'mmio-read', addr, data };
      }
      case KVM_EXIT.HLT:
        return { kind: 'hlt' };
      case KVM_EXIT.SHUTDOWN:
        return { kind: 'shutdown' };
      case KVM_EXIT.FAIL_ENTRY:
        return { kind: 'fail-entry', reason: v.getBigUint64(R.fail_entry_reason, true) };
      case KVM_EXIT.INTERNAL_ERROR:
        return { kind: 'internal-error', suberror: v.getUint32(R.internal_suberror, true) };
      case KVM_EXIT.SYSTEM_EVENT:
        return { kind: 'system-event', type: v.getUint32(R.system_event_type, true) };
      case KVM_EXIT.INTR:
        return { kind: 'interrupted' };
      default:
        return { kind: 'unknown', reason };
    }
  }

  /** Unmaps kvm_run (the worker that ran the vCPU does this; the fd's owner closes it). */
  unmapRun(): void {
    if (this.runAddr !== undefined) munmap(this.runAddr, this.runSize);
    this.runAddr = undefined;
  }

  close(): void {
    this.unmapRun();
    close(this.fd);
  }
}
