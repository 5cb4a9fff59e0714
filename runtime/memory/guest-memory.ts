// The consumer side of guest memory: what loaders and devices see. They never see the mappings.

/** A guest-physical address. Numbers: x86-64 guest-physical addresses fit in 52 bits. */
export type GuestAddress = number;

export interface GuestMemory {
  /** Copies guest bytes at `addr` into `buf`; the range may cross regions. */
  read(addr: GuestAddress, buf: Uint8Array): void;
  /** Copies `buf` into guest memory at `addr`; the range may cross regions. */
  write(addr: GuestAddress, buf: Uint8Array): void;
}

export type MemoryErrorKind = 'invalid-address' | 'partial' | 'overlap' | 'map-failed';

export class MemoryError extends Error {
  constructor(
    readonly kind: MemoryErrorKind,
    message: string,
    readonly data: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'MemoryError';
  }
}

export const PAGE_SIZE = 4096;
export const alignDown = (x: number, a: number) => x - (x % a);
export const alignUp = (x: number, a: number) => alignDown(x + a - 1, a);
export const hex = (x: number) => `0x${x.toString(16)}`;
