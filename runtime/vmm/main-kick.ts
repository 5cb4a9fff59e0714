// How the main thread, which runs vCPU 0 in slices of synchronous KVM_RUN (main-vcpu.ts), is sent
// back to its event loop when that has work, without waking idle guests often. The kick is
// SIGUSR2 to the main thread, which blocks it outside KVM_RUN while KVM_SET_SIGNAL_MASK leaves it
// open inside: a kick that comes while the thread runs JavaScript stays pending and ends the next
// KVM_RUN at once, so none is lost between the event loop's last look and the guest entry (QEMU
// does the same with SIG_IPI). Three sources:
// - a timer (timer_create, SIGEV_THREAD_ID) every IDLE_KICK_MS, for what has no signal of its own:
//   JS timers (--timeout, the SIGTERM grace period), thread-pool completions, stdout backpressure;
// - the same timer FLUSH_KICK_MS after the first output byte of a burst (SharedState.wakeMain), so
//   console and app output reach the host promptly in batches, also when vCPU 0 then halts;
// - signal-driven I/O on stdin (O_ASYNC, F_SETSIG, F_SETOWN_EX to this thread): a key pressed is a
//   kick at once. A stop requested on another thread kicks with tgkill. Process signals (SIGINT,
//   SIGTERM, SIGWINCH) need nothing: the kernel prefers the main thread for them, and a signal
//   with a handler ends KVM_RUN.
import { fstatSync } from 'node:fs';
import { isatty } from 'node:tty';
import {
  createThreadTimer, deleteTimer, F_GETFL, F_SETFL, F_SETSIG, fcntl, gettid, itimerspecBytes, maskSignal, O_ASYNC,
  setOwnerThread, setTimer, SIG_BLOCK, SIG_UNBLOCK, SIGUSR2, takePendingSignal, tgkill,
} from '../sys/libc.js';

/**
 * The idle kick. Each costs an exit to userspace and one event-loop turn (tens of µs): at 4 Hz a
 * thousand idle guests spend a few % of one core. Slower would delay timers more; 250 ms is
 * still below what --timeout or a docker-stop grace period notices.
 */
export const IDLE_KICK_MS = 250;
/** How long output may wait for the main thread: below what a typist sees, long enough to batch. */
export const FLUSH_KICK_MS = 2;
/**
 * Output from a guest that keeps exiting is written out between exits after this many (a few
 * hundred bytes of console: two exits a byte), and the flush kick called off: an interrupted
 * KVM_RUN and an event-loop turn cost more than a timer_settime (a verbose boot: ~1150 interrupted
 * entries with the flush kick alone). Counted, not timed: no clock read per exit, and the batch is
 * the same where exits are slow (the nested lab).
 */
export const INLINE_FLUSH_EXITS = 512;

const IDLE = itimerspecBytes(IDLE_KICK_MS, IDLE_KICK_MS);
/** A zero it_value would disarm the timer. */
const MIN_TIMER_MS = 0.001;
const FLUSH = itimerspecBytes(FLUSH_KICK_MS, IDLE_KICK_MS);

/** Any thread: the main thread's `timer` fires in FLUSH_KICK_MS (then idles again). */
export function kickMainSoon(timer: number): void {
  setTimer(timer, FLUSH);
}

/** Any thread: kicks the main thread now (its tid is the process id). */
export function kickMainNow(): void {
  tgkill(process.pid, process.pid, SIGUSR2);
}

/** The main thread's side: the blocked signal, the timer, stdin. */
export class MainKick {
  private readonly inputs: number[] = [];

  private constructor(readonly timer: number) {}

  /** Main thread, before vCPU 0's first KVM_RUN. */
  static start(): MainKick {
    maskSignal(SIG_BLOCK, SIGUSR2);
    const kick = new MainKick(createThreadTimer(SIGUSR2, gettid()));
    setTimer(kick.timer, IDLE);
    return kick;
  }

  /**
   * Calls off a flush kick: the next one is the idle kick, due IDLE_KICK_MS after the event loop's
   * last turn, `sinceTurnMs` ago (at once if overdue), so that a guest writing without pause
   * never keeps the event loop waiting longer.
   */
  idle(sinceTurnMs: number): void {
    setTimer(this.timer, itimerspecBytes(Math.max(IDLE_KICK_MS - sinceTurnMs, MIN_TIMER_MS), IDLE_KICK_MS));
  }

  /** Takes the kick that ended KVM_RUN: blocked, it would stay pending and end every later entry at once. */
  consume(): void {
    while (takePendingSignal(SIGUSR2));
  }

  /** Input on `fd` (a terminal, pipe or socket; other files give no signal) kicks at once. */
  wakeOnInput(fd: number): void {
    const st = fstatSync(fd);
    if (!st.isFIFO() && !st.isSocket() && !isatty(fd)) return;
    fcntl(fd, F_SETSIG, SIGUSR2);
    setOwnerThread(fd, gettid());
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC);
    this.inputs.push(fd);
    // On a terminal, turning O_ASYNC on makes the foreground process group the owner again.
    if (isatty(fd)) setOwnerThread(fd, gettid());
  }

  /** Undoes start() and wakeOnInput(); no kick is left pending. */
  close(): void {
    for (const fd of this.inputs) {
      try {
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_ASYNC);
        fcntl(fd, F_SETSIG, 0);
      } catch {
        // stdin was closed already.
      }
    }
    deleteTimer(this.timer);
    this.consume();
    maskSignal(SIG_UNBLOCK, SIGUSR2);
  }
}
