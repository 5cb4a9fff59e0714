// Memory shared by the main thread and the vCPU workers: the stop request, the console output
// ring, exit counters and each vCPU's thread id. Plain SharedArrayBuffers, passed as workerData.
import { STOP_REASONS, type StopReason } from './stop.js';
import { kickMainNow, kickMainSoon } from './main-kick.js';
import { createSerialState, type SerialState } from '../devices/legacy/serial8250.js';
import { createCmosState, type CmosState } from '../devices/legacy/cmos-rtc.js';
import { createPciHostState, type PciHostState } from '../devices/legacy/pci-host.js';
import { createByteRing, type ByteRingState } from './byte-ring.js';

// Control cells.
const STOP = 0; // index into STOP_REASONS, 0 while running
const GUEST_STATUS = 1;
const CONSOLE_WRITTEN = 2; // bytes ever written to the ring
const CONSOLE_READ = 3; // bytes ever drained
const MAIN_KICK_TIMER = 4; // the main thread's kick timer id + 1 while it runs vCPU 0 (main-kick.ts), else 0
const MAIN_KICK_ARMED = 5; // 1 from the first output byte after a pump until the next pump
const TID_BASE = 16;
const CONSOLE_RING = 1 << 16;

// Node 20 has Atomics.waitAsync; TypeScript's ES2023 lib does not declare it yet.
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number, t?: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;

/** Exit kinds counted per vCPU (the VcpuExit kinds plus unclaimed accesses). */
export const EXIT_COUNTERS = [
  'io-in', 'io-out', 'mmio-read', 'mmio-write', 'hlt', 'shutdown', 'fail-entry', 'internal-error',
  'system-event', 'interrupted', 'unknown', 'unclaimed-pio', 'unclaimed-mmio',
] as const;
export type ExitCounter = (typeof EXIT_COUNTERS)[number];
const COUNTER_INDEX = Object.fromEntries(EXIT_COUNTERS.map((k, i) => [k, i])) as Record<ExitCounter, number>;

/** An app run's extra UARTs (COM2: stdout and control input, COM3: stderr) and their streams. */
export interface AppStreamBuffers {
  com2: SerialState;
  com3: SerialState;
  stdout: ByteRingState;
  stderr: ByteRingState;
  /** Per GSI, a bit per UART that drives it (COM1 and COM3 share GSI 4). */
  irqLevels: SharedArrayBuffer;
}

export interface SharedBuffers {
  control: SharedArrayBuffer;
  console: SharedArrayBuffer;
  counters: SharedArrayBuffer;
  serial: SerialState;
  cmos: CmosState;
  pciHost: PciHostState;
  cpus: number;
  app?: AppStreamBuffers;
}

export function createSharedBuffers(cpus: number, appStreams = false): SharedBuffers {
  return {
    control: new SharedArrayBuffer((TID_BASE + cpus) * 4),
    console: new SharedArrayBuffer(CONSOLE_RING),
    counters: new SharedArrayBuffer(cpus * EXIT_COUNTERS.length * 8),
    serial: createSerialState(),
    cmos: createCmosState(),
    pciHost: createPciHostState(),
    cpus,
    ...(appStreams
      ? {
        app: {
          com2: createSerialState(),
          com3: createSerialState(),
          stdout: createByteRing(),
          stderr: createByteRing(),
          irqLevels: new SharedArrayBuffer(16 * 4),
        },
      }
      : {}),
  };
}

/** One thread's handle on the shared buffers. */
export class SharedState {
  readonly control: Int32Array;
  private readonly ring: Uint8Array;
  private readonly counters: Float64Array;

  constructor(readonly buffers: SharedBuffers) {
    this.control = new Int32Array(buffers.control);
    this.ring = new Uint8Array(buffers.console);
    this.counters = new Float64Array(buffers.counters);
  }

  /**
   * Set on the thread that drains the output rings when it runs a vCPU too (the main thread with
   * vCPU 0): a ring it finds full is drained in place, as waiting for itself would never end.
   */
  drainInline?: () => void;

  /** Records the first stop request; later ones are ignored. Returns true if this one won. */
  requestStop(reason: StopReason, guestStatus = 0): boolean {
    Atomics.store(this.control, GUEST_STATUS, guestStatus);
    const won = Atomics.compareExchange(this.control, STOP, 0, STOP_REASONS.indexOf(reason)) === 0;
    Atomics.notify(this.control, STOP);
    // vCPU 0 on the main thread sees the stop before its next entry; this ends the current one.
    if (won && this.mainKickTimer() !== undefined) kickMainNow();
    return won;
  }

  /** A writer found a ring full: true to drop the byte (the VM is stopping), else it retries. */
  ringFull(): boolean {
    if (this.stopRequested()) return true;
    this.drainInline?.();
    return false;
  }

  stopRequested(): boolean {
    return Atomics.load(this.control, STOP) !== 0;
  }

  stopReason(): { reason: StopReason; guestStatus: number } {
    return { reason: STOP_REASONS[Atomics.load(this.control, STOP)]!, guestStatus: Atomics.load(this.control, GUEST_STATUS) };
  }

  /** Appends one console byte (vCPU thread); waits for the main thread if the ring is full. */
  pushConsole(byte: number): void {
    const written = this.control[CONSOLE_WRITTEN]!;
    while (written - Atomics.load(this.control, CONSOLE_READ) >= CONSOLE_RING) {
      if (this.ringFull()) return;
      const read = Atomics.load(this.control, CONSOLE_READ);
      if (written - read >= CONSOLE_RING) Atomics.wait(this.control, CONSOLE_READ, read, 10);
    }
    this.ring[written % CONSOLE_RING] = byte;
    Atomics.store(this.control, CONSOLE_WRITTEN, written + 1);
    this.wakeMain();
  }

  /**
   * Output is waiting for the main thread: wakes its waitForConsole, or, while it runs vCPU 0,
   * has its kick timer end the guest's slice soon, so that a burst of bytes goes out in one write.
   */
  wakeMain(): void {
    Atomics.notify(this.control, CONSOLE_WRITTEN);
    if (Atomics.load(this.control, MAIN_KICK_ARMED) !== 0) return;
    const timer = this.mainKickTimer();
    if (timer !== undefined && Atomics.compareExchange(this.control, MAIN_KICK_ARMED, 0, 1) === 0) kickMainSoon(timer);
  }

  /** The main thread runs vCPU 0 and `timer` kicks it (main-kick.ts); undefined: it runs no vCPU. */
  setMainKickTimer(timer: number | undefined): void {
    Atomics.store(this.control, MAIN_KICK_TIMER, timer === undefined ? 0 : timer + 1);
  }

  private mainKickTimer(): number | undefined {
    const cell = Atomics.load(this.control, MAIN_KICK_TIMER);
    return cell === 0 ? undefined : cell - 1;
  }

  /** True from the first output byte after a pump (while the main thread runs vCPU 0). */
  outputWaiting(): boolean {
    return Atomics.load(this.control, MAIN_KICK_ARMED) !== 0;
  }

  /** Main thread, before it drains the rings: output from now on arms the kick again. */
  outputTaken(): void {
    Atomics.store(this.control, MAIN_KICK_ARMED, 0);
  }

  /** Takes what the guest wrote since the last call (main thread); empty when nothing. */
  drainConsole(): Uint8Array {
    const read = this.control[CONSOLE_READ]!;
    const written = Atomics.load(this.control, CONSOLE_WRITTEN);
    const n = written - read;
    if (n === 0) return new Uint8Array(0);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; ) {
      const at = (read + i) % CONSOLE_RING;
      const chunk = Math.min(n - i, CONSOLE_RING - at);
      out.set(this.ring.subarray(at, at + chunk), i);
      i += chunk;
    }
    Atomics.store(this.control, CONSOLE_READ, written);
    Atomics.notify(this.control, CONSOLE_READ);
    return out;
  }

  /** Resolves when console bytes are waiting or a stop was requested. */
  async waitForConsole(): Promise<void> {
    const seen = this.control[CONSOLE_READ]!;
    if (Atomics.load(this.control, CONSOLE_WRITTEN) !== seen || this.stopRequested()) return;
    const w = waitAsync(this.control, CONSOLE_WRITTEN, seen, 50);
    if (w.async) await w.value;
  }

  count(vcpu: number, kind: ExitCounter): void {
    this.counters[vcpu * EXIT_COUNTERS.length + COUNTER_INDEX[kind]]! += 1;
  }

  /** Exit counts summed over vCPUs, non-zero ones only. */
  exitCounts(): Partial<Record<ExitCounter, number>> {
    const out: Partial<Record<ExitCounter, number>> = {};
    EXIT_COUNTERS.forEach((k, i) => {
      let sum = 0;
      for (let c = 0; c < this.buffers.cpus; c++) sum += this.counters[c * EXIT_COUNTERS.length + i]!;
      if (sum) out[k] = sum;
    });
    return out;
  }

  setTid(vcpu: number, tid: number): void {
    Atomics.store(this.control, TID_BASE + vcpu, tid);
  }

  tid(vcpu: number): number {
    return Atomics.load(this.control, TID_BASE + vcpu);
  }
}
