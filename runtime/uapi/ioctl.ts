// asm-generic/ioctl.h: how request numbers are built (x86-64 uses the generic layout).
const _IOC_NRSHIFT = 0;
const _IOC_TYPESHIFT = 8;
const _IOC_SIZESHIFT = 16;
const _IOC_DIRSHIFT = 30;

export const _IOC_NONE = 0;
export const _IOC_WRITE = 1;
export const _IOC_READ = 2;

export function _IOC(dir: number, type: number, nr: number, size: number): number {
  // >>> 0 keeps the result unsigned: dir in bit 31 would make it negative.
  return ((dir << _IOC_DIRSHIFT) | (type << _IOC_TYPESHIFT) | (nr << _IOC_NRSHIFT) | (size << _IOC_SIZESHIFT)) >>> 0;
}
export const _IO = (type: number, nr: number) => _IOC(_IOC_NONE, type, nr, 0);
export const _IOR = (type: number, nr: number, size: number) => _IOC(_IOC_READ, type, nr, size);
export const _IOW = (type: number, nr: number, size: number) => _IOC(_IOC_WRITE, type, nr, size);
export const _IOWR = (type: number, nr: number, size: number) => _IOC(_IOC_READ | _IOC_WRITE, type, nr, size);
