// The main thread's kicks (runtime/vmm/main-kick.ts) without KVM: what would end a KVM_RUN on the
// main thread is a SIGUSR2 left pending on it, so the tests look for that pending signal.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, constants as fsc } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { F_GETFL, fcntl, O_ASYNC, SIGUSR2, takePendingSignal } from '../../../runtime/sys/libc.js';
import { FLUSH_KICK_MS, IDLE_KICK_MS, MainKick } from '../../../runtime/vmm/main-kick.js';
import { createSharedBuffers, SharedState } from '../../../runtime/vmm/shared-state.js';

const spin = (ms: number) => {
  const t0 = performance.now();
  while (performance.now() - t0 < ms);
};
const ignore = () => {};

test('the idle kick comes every IDLE_KICK_MS; output arms the flush kick once until the pump takes it', () => {
  process.on('SIGUSR2', ignore);
  const kick = MainKick.start();
  const shared = new SharedState(createSharedBuffers(1));
  shared.setMainKickTimer(kick.timer);
  try {
    spin(IDLE_KICK_MS + 30);
    assert.ok(takePendingSignal(SIGUSR2), 'idle kick');
    kick.consume();
    shared.pushConsole(65);
    spin(FLUSH_KICK_MS + 10);
    assert.ok(takePendingSignal(SIGUSR2), 'flush kick after the first byte');
    // More bytes before the pump do not rearm it (no timer_settime per byte).
    shared.pushConsole(66);
    spin(FLUSH_KICK_MS + 10);
    assert.not.ok(takePendingSignal(SIGUSR2), 'no second flush kick before the pump');
    shared.outputTaken();
    assert.equal([...shared.drainConsole()], [65, 66]);
    shared.pushConsole(67);
    spin(FLUSH_KICK_MS + 10);
    assert.ok(takePendingSignal(SIGUSR2), 'armed again after the pump');
    // Output written out between exits calls the flush kick off, but never postpones the idle kick
    // past IDLE_KICK_MS after the event loop's last turn.
    shared.outputTaken();
    shared.pushConsole(68);
    kick.idle(0);
    spin(FLUSH_KICK_MS + 10);
    assert.not.ok(takePendingSignal(SIGUSR2), 'flush kick called off');
    kick.idle(IDLE_KICK_MS + 1);
    spin(5);
    assert.ok(takePendingSignal(SIGUSR2), 'an overdue idle kick comes at once');
    // A stop request kicks at once (from a worker, it ends vCPU 0's KVM_RUN).
    shared.requestStop('timeout');
    assert.ok(takePendingSignal(SIGUSR2), 'stop kick');
  } finally {
    shared.setMainKickTimer(undefined);
    kick.close();
    process.off('SIGUSR2', ignore);
  }
});

test('input on a FIFO kicks; close() turns O_ASYNC off again and leaves nothing pending', () => {
  process.on('SIGUSR2', ignore);
  const dir = mkdtempSync(join(tmpdir(), 'cc-kick-'));
  const fifo = join(dir, 'stdin');
  execFileSync('mkfifo', [fifo]);
  const fd = openSync(fifo, fsc.O_RDWR | fsc.O_NONBLOCK);
  const kick = MainKick.start();
  try {
    kick.wakeOnInput(fd);
    writeSync(fd, 'k');
    assert.ok(takePendingSignal(SIGUSR2), 'input kick');
    kick.close();
    assert.is(fcntl(fd, F_GETFL) & O_ASYNC, 0);
    writeSync(fd, 'k');
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
    process.off('SIGUSR2', ignore);
  }
});

test('a full console ring is drained in place on the thread that also drains it', () => {
  const shared = new SharedState(createSharedBuffers(1));
  const out: number[] = [];
  shared.drainInline = () => out.push(...shared.drainConsole());
  for (let i = 0; i < (1 << 16) + 10; i++) shared.pushConsole(i & 0xff);
  out.push(...shared.drainConsole());
  assert.is(out.length, (1 << 16) + 10);
  assert.is(out.at(-1), ((1 << 16) + 9) & 0xff);
});

test.run();
