// vCPU 0 on the main thread. A Worker costs ~8 MiB of private memory (a V8 isolate and a Node
// environment), ~40 % of a 1-vCPU VMM's own; the main thread is there anyway. KVM_RUN stays
// synchronous (koffi's .async costs 14–20 ms per exit, LAB.md) and runs in slices: exits are
// handled here exactly as in a worker until a kick (main-kick.ts) interrupts KVM_RUN; then the
// output is pumped and the event loop gets a turn (stdin, timers, signals) before the next slice.
import { setImmediate as eventLoopTurn } from 'node:timers/promises';
import type { VcpuFd } from '../kvm/vcpu.js';
import type { VmFd } from '../kvm/vm.js';
import { INLINE_FLUSH_EXITS, MainKick } from './main-kick.js';
import type { SharedState } from './shared-state.js';
import { runSlice, type ExitContext } from './vcpu-loop.js';
import { crashState, prepareVcpuThread } from './vcpu-thread.js';

export interface MainVcpuEnd {
  /** Registers, when the guest crashed. */
  state?: string;
  /** Why running the vCPU failed in the VMM. */
  error?: string;
}

export class MainVcpu {
  private readonly ctx: ExitContext;
  private readonly kick: MainKick;
  /** Exits since the output now waiting was first seen. */
  private waitingExits = 0;
  /** When the event loop last had a turn (performance.now()). */
  private lastTurn = performance.now();

  /** Readies vCPU 0 on this thread; `pump` writes out what the guest wrote (console, app streams). */
  constructor(
    private readonly vcpu: VcpuFd,
    vm: VmFd,
    private readonly shared: SharedState,
    runSize: number,
    private readonly pump: () => void,
  ) {
    this.ctx = prepareVcpuThread(vcpu, vm, shared, runSize);
    this.kick = MainKick.start();
    shared.setMainKickTimer(this.kick.timer);
    shared.drainInline = pump;
  }

  /** Runs vCPU 0 until the VM stops, serving the event loop between slices. */
  async run(): Promise<MainVcpuEnd> {
    try {
      while (runSlice(() => this.vcpu.run(), this.ctx, this.afterExit) === 'interrupted') {
        this.kick.consume();
        this.waitingExits = 0;
        this.pump();
        await eventLoopTurn();
        this.lastTurn = performance.now();
      }
      const state = crashState(this.vcpu, this.shared);
      return state ? { state } : {};
    } catch (e) {
      this.shared.requestStop('vmm-error');
      return { error: (e as Error).message };
    }
  }

  /** Writes out output that has waited INLINE_FLUSH_EXITS while the guest keeps exiting (see main-kick.ts). */
  private readonly afterExit = (): void => {
    if (!this.shared.outputWaiting() || ++this.waitingExits < INLINE_FLUSH_EXITS) return;
    // Called off first: output from a worker after this arms it again, and the pump takes what came before.
    this.kick.idle(performance.now() - this.lastTurn);
    this.waitingExits = 0;
    this.pump();
  };

  /** Input on `fd` ends the current slice at once (a terminal or pipe; see MainKick). */
  wakeOnInput(fd: number): void {
    this.kick.wakeOnInput(fd);
  }

  /** Stops the kicks; vCPU 0's fd and kvm_run go with the VM's other vCPUs. */
  close(): void {
    this.shared.setMainKickTimer(undefined);
    this.shared.drainInline = undefined;
    this.kick.close();
  }
}
