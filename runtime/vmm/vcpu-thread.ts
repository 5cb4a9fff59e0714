// What every thread that runs a vCPU does around the run loop, a worker (vcpu-worker.ts) or the
// main thread (main-vcpu.ts): map kvm_run, leave signals open inside KVM_RUN, build the devices
// over the shared state, and describe a vCPU that crashed the guest.
import type { VcpuFd } from '../kvm/vcpu.js';
import type { VmFd } from '../kvm/vm.js';
import { gettid } from '../sys/libc.js';
import { Bus } from './bus.js';
import { createPioBus } from './device-manager.js';
import type { SharedState } from './shared-state.js';
import type { ExitContext } from './vcpu-loop.js';

/** Readies `vcpu` for KVM_RUN on the calling thread and returns what its exits may touch. */
export function prepareVcpuThread(vcpu: VcpuFd, vm: VmFd, shared: SharedState, runSize: number): ExitContext {
  vcpu.mapRun(runSize);
  // No signal blocked while in the guest, so a kick (SIGUSR2) interrupts KVM_RUN.
  vcpu.setSignalMask(0n);
  shared.setTid(vcpu.id, gettid());
  return {
    pio: createPioBus(shared, (gsi, level) => vm.irqLine(gsi, level)),
    mmio: new Bus(),
    count: (kind) => shared.count(vcpu.id, kind),
    requestStop: (reason, status) => shared.requestStop(reason, status),
    stopRequested: () => shared.stopRequested(),
  };
}

/** The registers of a vCPU after the guest crashed (triple fault, emulation failure); else undefined. */
export function crashState(vcpu: VcpuFd, shared: SharedState): string | undefined {
  const { reason } = shared.stopReason();
  if (reason !== 'triple-fault' && reason !== 'crash') return undefined;
  const r = vcpu.getRegs();
  const sr = vcpu.getSregs();
  const hex = (v: number | bigint) => `0x${v.toString(16)}`;
  return `vCPU ${vcpu.id}: rip=${hex(r.rip)} rsp=${hex(r.rsp)} rflags=${hex(r.rflags)} cr0=${hex(sr.cr0)} cr3=${hex(sr.cr3)} cr4=${hex(sr.cr4)} efer=${hex(sr.efer)}`;
}
