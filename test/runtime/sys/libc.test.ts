// The libc structs and constants of runtime/sys/libc.ts against gcc and glibc's headers, and the
// calls that kick the main thread (main-kick.ts) doing what they say, on this host's kernel.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, constants as fsc } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import koffi from 'koffi';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as L from '../../../runtime/sys/libc.js';
import { cValues } from '../../helpers/c-values.js';

type StructType = Parameters<typeof koffi.sizeof>[0];

/** C struct name → [our type, [our field, C member designator]] */
const STRUCTS: Record<string, [StructType, [string, string][]]> = {
  f_owner_ex: [L.f_owner_ex, [['type', 'type'], ['pid', 'pid']]],
  timespec: [L.timespec, [['tv_sec', 'tv_sec'], ['tv_nsec', 'tv_nsec']]],
  itimerspec: [L.itimerspec, [['it_interval', 'it_interval'], ['it_value', 'it_value']]],
  sigevent: [L.sigevent, [['sigev_value', 'sigev_value'], ['sigev_signo', 'sigev_signo'], ['sigev_notify', 'sigev_notify'], ['_tid', '_sigev_un._tid']]],
};

const CONSTANTS: Record<string, number> = {
  F_GETFL: L.F_GETFL, F_SETFL: L.F_SETFL, F_SETSIG: L.F_SETSIG, F_SETOWN_EX: L.F_SETOWN_EX, F_OWNER_TID: L.F_OWNER_TID,
  O_ASYNC: L.O_ASYNC, SIG_BLOCK: L.SIG_BLOCK, SIG_UNBLOCK: L.SIG_UNBLOCK, CLOCK_MONOTONIC: L.CLOCK_MONOTONIC,
  SIGEV_THREAD_ID: L.SIGEV_THREAD_ID, SIGUSR2: L.SIGUSR2, 'sizeof(sigset_t)': L.SIGSET_T_SIZE, 'sizeof(timer_t)': 8,
};

test('libc struct sizes, offsets and constants match gcc and glibc', () => {
  /** C expression → our value. */
  const ours: Record<string, number> = { ...CONSTANTS };
  for (const [name, [type, fields]] of Object.entries(STRUCTS)) {
    ours[`sizeof(struct ${name})`] = koffi.sizeof(type);
    for (const [field, member] of fields) ours[`offsetof(struct ${name}, ${member})`] = koffi.offsetof(type, field);
  }
  const c = cValues(['#define _GNU_SOURCE', '#include <fcntl.h>', '#include <signal.h>', '#include <time.h>'], Object.keys(ours));
  for (const [expr, value] of Object.entries(ours)) assert.is(value, c[expr], expr);
});

const spin = (ms: number) => {
  const t0 = performance.now();
  while (performance.now() - t0 < ms);
};

test('a thread timer leaves its blocked signal pending on this thread; sigtimedwait takes it once', () => {
  const ignore = () => {};
  process.on('SIGUSR2', ignore);
  L.maskSignal(L.SIG_BLOCK, L.SIGUSR2);
  const timer = L.createThreadTimer(L.SIGUSR2, L.gettid());
  try {
    assert.not.ok(L.takePendingSignal(L.SIGUSR2));
    L.setTimer(timer, L.itimerspecBytes(5, 0));
    spin(50);
    assert.ok(L.takePendingSignal(L.SIGUSR2), 'the timer fired');
    assert.not.ok(L.takePendingSignal(L.SIGUSR2), 'taken once');
  } finally {
    L.deleteTimer(timer);
    L.maskSignal(L.SIG_UNBLOCK, L.SIGUSR2);
    process.off('SIGUSR2', ignore);
  }
});

test('signal-driven I/O: a write into a FIFO with O_ASYNC sends its F_SETSIG signal to the owner thread', () => {
  const ignore = () => {};
  process.on('SIGUSR2', ignore);
  L.maskSignal(L.SIG_BLOCK, L.SIGUSR2);
  const dir = mkdtempSync(join(tmpdir(), 'cc-libc-fifo-'));
  const fifo = join(dir, 'in');
  execFileSync('mkfifo', [fifo]);
  // O_RDWR: a FIFO opened for both ends needs no second opener.
  const fd = openSync(fifo, fsc.O_RDWR | fsc.O_NONBLOCK);
  try {
    L.fcntl(fd, L.F_SETSIG, L.SIGUSR2);
    L.setOwnerThread(fd, L.gettid());
    L.fcntl(fd, L.F_SETFL, L.fcntl(fd, L.F_GETFL) | L.O_ASYNC);
    assert.ok((L.fcntl(fd, L.F_GETFL) & L.O_ASYNC) !== 0);
    assert.not.ok(L.takePendingSignal(L.SIGUSR2));
    writeSync(fd, 'x');
    assert.ok(L.takePendingSignal(L.SIGUSR2), 'input sent the signal');
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
    L.maskSignal(L.SIG_UNBLOCK, L.SIGUSR2);
    process.off('SIGUSR2', ignore);
  }
});

test.run();
