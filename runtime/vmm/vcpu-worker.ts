// Entry of a vCPU worker thread: one per application processor (and for vCPU 0 too with
// CC_RUN_VCPU0=worker), looping on a synchronous KVM_RUN (never koffi's .async, LAB.md). Devices
// run here, on shared state. The thread is started before the VM exists (loading its modules
// overlaps the main thread's setup) and gets its vCPU in one message.
import { parentPort } from 'node:worker_threads';
import { VcpuFd } from '../kvm/vcpu.js';
import { VmFd } from '../kvm/vm.js';
import { SharedState, type SharedBuffers } from './shared-state.js';
import { runVcpuLoop } from './vcpu-loop.js';
import { crashState, prepareVcpuThread } from './vcpu-thread.js';

export interface VcpuWorkerData {
  vmFd: number;
  vcpuFd: number;
  vcpuId: number;
  runSize: number;
  shared: SharedBuffers;
}

function run(data: VcpuWorkerData): void {
  const shared = new SharedState(data.shared);
  const vcpu = new VcpuFd(data.vcpuFd, data.vcpuId);
  try {
    const ctx = prepareVcpuThread(vcpu, new VmFd(data.vmFd), shared, data.runSize);
    runVcpuLoop(() => vcpu.run(), ctx);
    const state = crashState(vcpu, shared);
    if (state) parentPort?.postMessage({ state });
    vcpu.unmapRun();
  } catch (e) {
    shared.requestStop('vmm-error');
    parentPort?.postMessage({ error: { message: (e as Error).message, stack: (e as Error).stack } });
  } finally {
    parentPort?.close();
  }
}

parentPort?.once('message', run);
