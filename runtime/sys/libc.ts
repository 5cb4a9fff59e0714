// koffi bindings to the few libc calls the VMM needs. Only runtime/sys and runtime/uapi import koffi.
// glibc's ioctl is variadic: it is declared once per argument kind with fixed types (LAB.md).
import koffi from 'koffi';
import { constants } from 'node:os';

const lib = koffi.load('libc.so.6');

/** A failed system call: the call's name and errno, nothing else (policy lives one layer up). */
export class SysError extends Error {
  readonly kind = 'syscall';
  constructor(
    readonly syscall: string,
    readonly errno: number,
  ) {
    super(`${syscall}: ${errnoName(errno)} (${errno})`);
    this.name = 'SysError';
  }
}

const errnoNames = new Map<number, string>(
  Object.entries(constants.errno).map(([name, value]) => [value, name]),
);

/** `ENOENT` for 2, as os.constants spells it. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

export const EINTR = constants.errno.EINTR;
export const EAGAIN = constants.errno.EAGAIN;

export const O_RDONLY = 0;
export const O_RDWR = 2;
export const O_CLOEXEC = 0o2000000;

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_NORESERVE = 0x4000;
export const MAP_FAILED = 0xffffffffffffffffn;

export const SIGUSR2 = constants.signals.SIGUSR2;

export const F_GETFL = 3;
export const F_SETFL = 4;
export const F_SETSIG = 10;
export const F_SETOWN_EX = 15;
export const F_OWNER_TID = 0;
export const O_ASYNC = 0o20000;
export const SIG_BLOCK = 0;
export const SIG_UNBLOCK = 1;
export const CLOCK_MONOTONIC = 1;
export const SIGEV_THREAD_ID = 4;

// The structs these calls take, as glibc lays them out (checked against gcc in libc.test.ts).
export const f_owner_ex = koffi.struct('f_owner_ex', { type: 'int', pid: 'int' });
export const timespec = koffi.struct('timespec', { tv_sec: 'int64', tv_nsec: 'int64' });
export const itimerspec = koffi.struct('itimerspec', { it_interval: timespec, it_value: timespec });
/** glibc's struct sigevent; `_tid` is `_sigev_un._tid`, what SIGEV_THREAD_ID reads. */
export const sigevent = koffi.struct('sigevent', {
  sigev_value: 'uint64', sigev_signo: 'int', sigev_notify: 'int', _tid: 'int', _pad: koffi.array('int', 11),
});
/** glibc's sigset_t: 1024 bits. */
export const SIGSET_T_SIZE = 128;

/** Whatever koffi accepts as a `void *` argument without copying. */
export type Bytes = Uint8Array | Int32Array | BigUint64Array;

const c_open = lib.func('int open(const char *path, int flags, int mode)');
const c_close = lib.func('int close(int fd)');
const c_ioctl_ptr = lib.func('int ioctl(int fd, unsigned long request, void *arg)');
const c_ioctl_int = lib.func('int ioctl(int fd, unsigned long request, unsigned long arg)');
const c_mmap = lib.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)');
const c_munmap = lib.func('int munmap(void *addr, size_t length)');
const c_gettid = lib.func('int gettid()');
const c_tgkill = lib.func('int tgkill(int tgid, int tid, int sig)');
const c_exit = lib.func('void _exit(int status)');
const c_fcntl_int = lib.func('int fcntl(int fd, int cmd, int arg)');
const c_fcntl_ptr = lib.func('int fcntl(int fd, int cmd, void *arg)');
const c_pthread_sigmask = lib.func('int pthread_sigmask(int how, void *set, void *oldset)');
const c_sigtimedwait = lib.func('int sigtimedwait(void *set, void *info, void *timeout)');
const c_timer_create = lib.func('int timer_create(int clockid, void *sevp, void *timerid)');
const c_timer_settime = lib.func('int timer_settime(intptr_t timerid, int flags, void *new_value, void *old_value)');
const c_timer_delete = lib.func('int timer_delete(intptr_t timerid)');

function check(syscall: string, r: number): number {
  if (r < 0) throw new SysError(syscall, koffi.errno());
  return r;
}

/** open(2); the fd is close-on-exec. */
export function open(path: string, flags: number, mode = 0): number {
  return check(`open ${path}`, c_open(path, flags | O_CLOEXEC, mode));
}

/** close(2). */
export function close(fd: number): void {
  check('close', c_close(fd));
}

/** ioctl(2) with a pointer argument: the bytes are passed in place and may be written by the kernel. */
export function ioctlPtr(fd: number, request: number, arg: Bytes, name = 'ioctl'): number {
  return check(name, c_ioctl_ptr(fd, request, arg));
}

/** ioctl(2) with an integer argument (or none). */
export function ioctlInt(fd: number, request: number, arg: number | bigint = 0, name = 'ioctl'): number {
  return check(name, c_ioctl_int(fd, request, arg));
}

/**
 * ioctl(2) without the exception: returns the result or `-errno`, for the vCPU hot path where
 * EINTR and EAGAIN are expected.
 */
export function ioctlRaw(fd: number, request: number, arg: number | bigint = 0): number {
  const r = c_ioctl_int(fd, request, arg);
  return r < 0 ? -koffi.errno() : r;
}

/** mmap(2); returns the address as a BigInt. */
export function mmap(addr: bigint | null, length: number, prot: number, flags: number, fd = -1, offset = 0): bigint {
  const p = c_mmap(addr, length, prot, flags, fd, BigInt(offset)) as bigint;
  if (p === MAP_FAILED) throw new SysError('mmap', koffi.errno());
  return p;
}

/** munmap(2). */
export function munmap(addr: bigint, length: number): void {
  check('munmap', c_munmap(addr, length));
}

/** A zero-copy view of `length` bytes of native memory at `addr`. */
export function view(addr: bigint, length: number): ArrayBuffer {
  return koffi.view(addr, length) as ArrayBuffer;
}

/** gettid(2): the kernel id of the calling thread, for tgkill. */
export function gettid(): number {
  return c_gettid();
}

/** tgkill(2): signal one thread, to kick a vCPU out of KVM_RUN. */
export function tgkill(tgid: number, tid: number, signal: number): void {
  check('tgkill', c_tgkill(tgid, tid, signal));
}

/** _exit(2): ends the process at once, even with a thread blocked in an ioctl. */
export function exitNow(status: number): never {
  c_exit(status);
  throw new Error('unreachable');
}

/** fcntl(2) with an integer argument (or none). */
export function fcntl(fd: number, cmd: number, arg = 0): number {
  return check('fcntl', c_fcntl_int(fd, cmd, arg));
}

/** fcntl(F_SETOWN_EX, F_OWNER_TID): the signals of signal-driven I/O on `fd` go to this one thread. */
export function setOwnerThread(fd: number, tid: number): void {
  const owner = new Uint8Array(koffi.sizeof(f_owner_ex));
  koffi.encode(owner, 0, f_owner_ex, { type: F_OWNER_TID, pid: tid });
  check('fcntl F_SETOWN_EX', c_fcntl_ptr(fd, F_SETOWN_EX, owner));
}

function sigset(signal: number): BigUint64Array {
  const set = new BigUint64Array(SIGSET_T_SIZE / 8);
  set[0] = 1n << BigInt(signal - 1);
  return set;
}

/** pthread_sigmask(2) for one signal: SIG_BLOCK or SIG_UNBLOCK it in the calling thread. */
export function maskSignal(how: typeof SIG_BLOCK | typeof SIG_UNBLOCK, signal: number): void {
  const r = c_pthread_sigmask(how, sigset(signal), null);
  if (r !== 0) throw new SysError('pthread_sigmask', r);
}

const zeroTimeout = new BigInt64Array(2);

/** sigtimedwait(2) without waiting: takes one pending (blocked) `signal`; false when none was pending. */
export function takePendingSignal(signal: number): boolean {
  if (c_sigtimedwait(sigset(signal), null, zeroTimeout) >= 0) return true;
  const errno = koffi.errno();
  if (errno === EAGAIN || errno === EINTR) return false;
  throw new SysError('sigtimedwait', errno);
}

/** timer_create(2) on CLOCK_MONOTONIC whose expiries send `signal` to thread `tid` (SIGEV_THREAD_ID). */
export function createThreadTimer(signal: number, tid: number): number {
  const event = new Uint8Array(koffi.sizeof(sigevent));
  koffi.encode(event, 0, sigevent, { sigev_value: 0, sigev_signo: signal, sigev_notify: SIGEV_THREAD_ID, _tid: tid, _pad: [] });
  const id = new BigInt64Array(1);
  check('timer_create', c_timer_create(CLOCK_MONOTONIC, event, id));
  return Number(id[0]);
}

/** A struct itimerspec, encoded once: first expiry after `valueMs`, then every `intervalMs` (0: once). */
export function itimerspecBytes(valueMs: number, intervalMs: number): Uint8Array {
  const ns = (ms: number) => ({ tv_sec: Math.floor(ms / 1000), tv_nsec: Math.round((ms % 1000) * 1e6) });
  const bytes = new Uint8Array(koffi.sizeof(itimerspec));
  koffi.encode(bytes, 0, itimerspec, { it_interval: ns(intervalMs), it_value: ns(valueMs) });
  return bytes;
}

/** timer_settime(2), relative; callable from any thread of the process. */
export function setTimer(id: number, spec: Uint8Array): void {
  check('timer_settime', c_timer_settime(id, 0, spec, null));
}

/** timer_delete(2). */
export function deleteTimer(id: number): void {
  check('timer_delete', c_timer_delete(id));
}
