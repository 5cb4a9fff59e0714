// Guest memory backed by host mappings: anonymous RAM, file-backed private mappings (vmlinux
// segments, the pmem image). Each region becomes one KVM memory slot.
import {
  MAP_ANONYMOUS, MAP_FIXED, MAP_NORESERVE, MAP_PRIVATE, mmap, munmap, PROT_READ, PROT_WRITE, view,
} from '../sys/libc.js';
import { alignUp, hex, MemoryError, PAGE_SIZE, type GuestAddress, type GuestMemory } from './guest-memory.js';

export type RegionKind = 'ram' | 'kernel' | 'pmem';

export interface Region {
  kind: RegionKind;
  gpa: GuestAddress;
  size: number;
  /** Host address of the region's first byte. */
  host: bigint;
  /** What it shows, for messages: "RAM", "vmlinux segment 2", the image path. */
  label: string;
}

interface Mapping {
  host: bigint;
  size: number;
}

export class MmapMemory implements GuestMemory {
  readonly regions: Region[] = [];
  private readonly mappings: Mapping[] = [];
  private readonly views = new Map<Region, Uint8Array>();

  /** Reserves `size` bytes of anonymous, lazily allocated memory; returns its host address. */
  allocateAnonymous(size: number): bigint {
    const host = mmap(null, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
    this.mappings.push({ host, size });
    return host;
  }

  /**
   * Maps `fileLength` bytes of `fd` from `offset` privately (copy-on-write, the file is never
   * written) into a `size`-byte anonymous reservation, so the part past the file's end is zero pages.
   */
  mapFile(fd: number, offset: number, fileLength: number, size: number): bigint {
    const host = this.allocateAnonymous(size);
    const len = Math.min(alignUp(fileLength, PAGE_SIZE), size);
    if (len > 0) mmap(host, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE, fd, offset);
    return host;
  }

  /** Adds a guest region backed by `host`; regions never overlap. */
  addRegion(region: Region): Region {
    for (const r of this.regions) {
      if (region.gpa < r.gpa + r.size && r.gpa < region.gpa + region.size) {
        throw new MemoryError('overlap', `${region.label} at ${hex(region.gpa)} overlaps ${r.label} at ${hex(r.gpa)}`, {
          addr: region.gpa,
        });
      }
    }
    this.regions.push(region);
    this.regions.sort((a, b) => a.gpa - b.gpa);
    return region;
  }

  private find(addr: GuestAddress): Region | undefined {
    return this.regions.find((r) => addr >= r.gpa && addr < r.gpa + r.size);
  }

  private bytesOf(r: Region): Uint8Array {
    let v = this.views.get(r);
    if (!v) {
      v = new Uint8Array(view(r.host, r.size));
      this.views.set(r, v);
    }
    return v;
  }

  private access(addr: GuestAddress, length: number, each: (bytes: Uint8Array, at: number, done: number, n: number) => void): void {
    let done = 0;
    while (done < length) {
      const r = this.find(addr + done);
      if (!r) {
        const kind = done === 0 ? 'invalid-address' : 'partial';
        throw new MemoryError(kind, `guest address ${hex(addr + done)} is not backed by memory`, {
          addr, expected: length, completed: done,
        });
      }
      const at = addr + done - r.gpa;
      const n = Math.min(length - done, r.size - at);
      each(this.bytesOf(r), at, done, n);
      done += n;
    }
  }

  read(addr: GuestAddress, buf: Uint8Array): void {
    this.access(addr, buf.length, (bytes, at, done, n) => buf.set(bytes.subarray(at, at + n), done));
  }

  write(addr: GuestAddress, buf: Uint8Array): void {
    this.access(addr, buf.length, (bytes, at, done, n) => bytes.set(buf.subarray(done, done + n), at));
  }

  /** Zeroes `length` bytes at `addr`. */
  fill(addr: GuestAddress, length: number): void {
    this.access(addr, length, (bytes, at, _done, n) => bytes.fill(0, at, at + n));
  }

  close(): void {
    this.views.clear();
    for (const m of this.mappings.splice(0)) munmap(m.host, m.size);
    this.regions.length = 0;
  }
}
