// Entry of a vCPU worker thread: one per vCPU, looping on a synchronous KVM_RUN (never koffi's
// .async, LAB.md). Devices run here, on shared state. The thread is started before the VM exists
// (loading its modules overlaps the main thread's setup) and gets its vCPU in one message.
import { parentPort } from 'node:worker_threads';
import { VcpuFd } from '../kvm/vcpu.js';
import { VmFd } from '../kvm/vm.js';
import { gettid } from '../sys/libc.js';
import { Bus } from './bus.js';
import { createPioBus } from './device-manager.js';
import { SharedState, type SharedBuffers } from './shared-state.js';
import { runVcpuLoop, type ExitContext } from './vcpu-loop.js';

export interface VcpuWorkerData {
  vmFd: number;
  vcpuFd: number;
  vcpuId: number;
  runSize: number;
  shared: SharedBuffers;
}

function run(data: VcpuWorkerData): void {
  const shared = new SharedState(data.shared);
  const vm = new VmFd(data.vmFd);
  const vcpu = new VcpuFd(data.vcpuFd, data.vcpuId);
  try {
    vcpu.mapRun(data.runSize);
    // No signal blocked while in the guest, so a tgkill from the main thread interrupts KVM_RUN.
    vcpu.setSignalMask(0n);
    shared.setTid(data.vcpuId, gettid());
    const ctx: ExitContext = {
      pio: createPioBus(shared, (gsi, level) => vm.irqLine(gsi, level)),
      mmio: new Bus(),
      count: (kind) => shared.count(data.vcpuId, kind),
      requestStop: (reason, status) => shared.requestStop(reason, status),
      stopRequested: () => shared.stopRequested(),
    };
    runVcpuLoop(() => vcpu.run(), ctx);
    const { reason } = shared.stopReason();
    if (reason === 'triple-fault' || reason === 'crash') {
      const r = vcpu.getRegs();
      const sr = vcpu.getSregs();
      const hex = (v: number | bigint) => `0x${v.toString(16)}`;
      parentPort?.postMessage({ state: `vCPU ${data.vcpuId}: rip=${hex(r.rip)} rsp=${hex(r.rsp)} rflags=${hex(r.rflags)} cr0=${hex(sr.cr0)} cr3=${hex(sr.cr3)} cr4=${hex(sr.cr4)} efer=${hex(sr.efer)}` });
    }
    vcpu.unmapRun();
  } catch (e) {
    shared.requestStop('vmm-error');
    parentPort?.postMessage({ error: { message: (e as Error).message, stack: (e as Error).stack } });
  } finally {
    parentPort?.close();
  }
}

parentPort?.once('message', run);
