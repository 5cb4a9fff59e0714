// The vCPU run loop: a state machine around KVM_RUN, with exit handling as a pure function of the
// exit and the buses, testable without /dev/kvm.
import type { VcpuExit } from '../kvm/vcpu.js';
import { KVM_SYSTEM_EVENT } from '../uapi/kvm.js';
import { emulatePortIo } from '../arch/x86_64/port-io.js';
import type { Bus } from './bus.js';
import { VcpuError } from './errors.js';
import type { ExitCounter } from './shared-state.js';
import type { StopReason } from './stop.js';

export type ExitResult = 'handled' | 'interrupted' | 'stopped';

/** What exit handling may touch. */
export interface ExitContext {
  pio: Bus;
  mmio: Bus;
  count(kind: ExitCounter): void;
  requestStop(reason: StopReason, guestStatus?: number): void;
  stopRequested(): boolean;
}

/** Handles one exit. Unclaimed port or MMIO accesses are counted and ignored, never fatal. */
export function handleExit(exit: VcpuExit, ctx: ExitContext): ExitResult {
  ctx.count(exit.kind);
  switch (exit.kind) {
    case 'io-in':
    case 'io-out':
      if (!emulatePortIo(ctx.pio, exit.port, exit.size, exit.count, exit.data, exit.kind === 'io-out')) {
        ctx.count('unclaimed-pio');
      }
      break;
    case 'mmio-read':
      if (!ctx.mmio.read(exit.addr, exit.data)) {
        exit.data.fill(0xff);
        ctx.count('unclaimed-mmio');
      }
      break;
    case 'mmio-write':
      if (!ctx.mmio.write(exit.addr, exit.data)) ctx.count('unclaimed-mmio');
      break;
    case 'interrupted':
      return ctx.stopRequested() ? 'stopped' : 'interrupted';
    case 'hlt':
    case 'fail-entry':
    case 'internal-error':
      ctx.requestStop('crash');
      return 'stopped';
    case 'shutdown':
      ctx.requestStop('triple-fault');
      return 'stopped';
    case 'system-event':
      ctx.requestStop(
        exit.type === KVM_SYSTEM_EVENT.RESET ? 'reboot' : exit.type === KVM_SYSTEM_EVENT.SHUTDOWN ? 'poweroff' : 'crash',
      );
      return 'stopped';
    case 'unknown':
      throw new VcpuError('unhandled-exit', `vCPU stopped with unhandled KVM exit reason ${exit.reason}`);
  }
  // A device may have asked to stop (debug-exit port, i8042 reset).
  return ctx.stopRequested() ? 'stopped' : 'handled';
}

/**
 * Runs exits until KVM_RUN is interrupted (a kick: 'interrupted') or the VM stops ('stopped').
 * `run` is KVM_RUN (VcpuFd.run); `afterExit` runs after each handled exit.
 */
export function runSlice(run: () => VcpuExit, ctx: ExitContext, afterExit?: () => void): 'interrupted' | 'stopped' {
  for (;;) {
    if (ctx.stopRequested()) return 'stopped';
    const r = handleExit(run(), ctx);
    if (r !== 'handled') return r;
    afterExit?.();
  }
}

/** Runs until the VM stops (a worker thread, which has nothing else to do). */
export function runVcpuLoop(run: () => VcpuExit, ctx: ExitContext): void {
  while (runSlice(run, ctx) !== 'stopped');
}
