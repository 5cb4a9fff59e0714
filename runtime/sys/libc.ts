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
