// The image's data area: file bytes are written straight into the output image while the tar
// streams, so memory holds metadata only. Each file gets a contiguous run of blocks; a block that
// is all zeros is never written and stays a hole (unallocated, reads as zeros). Files of 2 MiB or
// more start on a 2 MiB boundary so a DAX mapping can use huge pages; smaller files fill the gaps
// that alignment leaves. A file that a later layer deletes or replaces is zeroed on disk and its
// blocks are reused, so deleted bytes never remain readable in the image.
import { createHash, type Hash } from 'node:crypto';
import { readSync, writeSync } from 'node:fs';
import type { DataRef, DataStore, DataWriter } from '../tree/data-store.js';

export const BLOCK_SIZE = 4096;
/** 2 MiB in blocks: the huge-page size DAX maps, and the image size granule. */
export const HUGE_BLOCKS = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK_SIZE);
const STAGING_BYTES = 8 << 20;

/** Where a file's bytes are: `start` + logical block = physical block; runs skip zero blocks. */
export class Extent implements DataRef {
  constructor(
    readonly size: number,
    /** First physical block of the file's run (logical block 0). */
    readonly start: number,
    /** [logical block, length] pairs of blocks actually written, ascending. */
    readonly runs: number[],
  ) {}

  get blocks(): number {
    return Math.ceil(this.size / BLOCK_SIZE);
  }
}

export class DataAreaError extends Error {
  constructor(
    readonly kind: 'too-large',
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'DataAreaError';
  }
}

export interface DataAreaOptions {
  /** Blocks at the start that are not for data (superblock and group descriptors). */
  reservedBlocks: number;
  /** Fail once data would pass this block (the image size the user asked for), if set. */
  limitBlocks?: number;
}

export class DataArea implements DataStore {
  /** First block past all data written so far. */
  private cursor = HUGE_BLOCKS;
  /** Free [start, end) block ranges below the cursor, ascending, never adjacent. */
  private gaps: [number, number][] = [];
  private readonly staging = Buffer.allocUnsafe(STAGING_BYTES);
  private stagedFrom = 0;
  private stagedLen = 0;
  /** Hash of every byte stored, in order: the image's UUID derives from it. */
  private readonly hash: Hash = createHash('sha256');
  private sealed = false;

  constructor(
    private readonly fd: number,
    private readonly options: DataAreaOptions,
  ) {
    if (options.reservedBlocks < HUGE_BLOCKS) this.gaps.push([options.reservedBlocks, HUGE_BLOCKS]);
  }

  /** First block past the data: metadata goes from here. */
  get end(): number {
    return this.cursor;
  }

  begin(size: number, name: string): DataWriter {
    const blocks = Math.ceil(size / BLOCK_SIZE);
    const start = blocks === 0 ? 0 : this.allocate(blocks, name);
    return new FileWriter(this, size, start);
  }

  free(ref: DataRef): void {
    const ext = ref as Extent;
    if (ext.blocks === 0) return;
    for (let i = 0; i < ext.runs.length; i += 2) this.zero(ext.start + ext.runs[i]!, ext.runs[i + 1]!);
    this.release(ext.start, ext.start + ext.blocks);
  }

  read(ref: DataRef): Buffer {
    const ext = ref as Extent;
    this.flush();
    const out = Buffer.alloc(ext.size);
    for (let i = 0; i < ext.runs.length; i += 2) {
      const pos = ext.runs[i]! * BLOCK_SIZE;
      const len = Math.min(ext.runs[i + 1]! * BLOCK_SIZE, ext.size - pos);
      readSync(this.fd, out, pos, len, (ext.start + ext.runs[i]!) * BLOCK_SIZE);
    }
    return out;
  }

  /** Writes whole blocks at a physical block, batching contiguous writes into big ones. @internal */
  put(block: number, data: Buffer): void {
    const pos = block * BLOCK_SIZE;
    if (!this.sealed) this.hash.update(data);
    if (this.stagedLen > 0 && pos === this.stagedFrom + this.stagedLen && this.stagedLen + data.length <= STAGING_BYTES) {
      data.copy(this.staging, this.stagedLen);
      this.stagedLen += data.length;
      return;
    }
    this.flush();
    if (data.length >= STAGING_BYTES / 2) {
      writeAll(this.fd, data, pos);
      return;
    }
    data.copy(this.staging, 0);
    this.stagedFrom = pos;
    this.stagedLen = data.length;
  }

  /** Adds bytes that are not file data (metadata laid out later) to the content hash. */
  hashAlso(data: Uint8Array): void {
    this.hash.update(data);
  }

  /** The content hash of everything stored so far; later writes no longer count. */
  seal(): Buffer {
    this.sealed = true;
    return this.hash.digest();
  }

  /** Writes pending bytes to the file. */
  flush(): void {
    if (this.stagedLen === 0) return;
    writeAll(this.fd, this.staging.subarray(0, this.stagedLen), this.stagedFrom);
    this.stagedLen = 0;
  }

  private allocate(blocks: number, name: string): number {
    let start: number;
    if (blocks >= HUGE_BLOCKS) {
      start = Math.ceil(this.cursor / HUGE_BLOCKS) * HUGE_BLOCKS;
      if (start > this.cursor) this.addGap(this.cursor, start);
    } else {
      const i = this.gaps.findIndex(([s, e]) => e - s >= blocks);
      if (i >= 0) {
        const gap = this.gaps[i]!;
        start = gap[0];
        gap[0] += blocks;
        if (gap[0] === gap[1]) this.gaps.splice(i, 1);
        return start;
      }
      start = this.cursor;
    }
    const end = start + blocks;
    const limit = this.options.limitBlocks;
    if (limit !== undefined && end > limit) {
      throw new DataAreaError('too-large', `${name}: does not fit in the image size asked for (needs more than ${mib(limit)} MiB)`, 'raise --size or leave it out');
    }
    this.cursor = end;
    return start;
  }

  private release(start: number, end: number): void {
    if (end === this.cursor) {
      this.cursor = start;
      const last = this.gaps[this.gaps.length - 1];
      if (last && last[1] === this.cursor) {
        this.cursor = last[0];
        this.gaps.pop();
      }
      return;
    }
    this.addGap(start, end);
  }

  private addGap(start: number, end: number): void {
    let i = 0;
    while (i < this.gaps.length && this.gaps[i]![0] < start) i++;
    this.gaps.splice(i, 0, [start, end]);
    // Merge with neighbours so first-fit sees whole holes.
    const next = this.gaps[i + 1];
    if (next && next[0] === end) {
      this.gaps[i]![1] = next[1];
      this.gaps.splice(i + 1, 1);
    }
    const prev = this.gaps[i - 1];
    if (prev && prev[1] === start) {
      prev[1] = this.gaps[i]![1];
      this.gaps.splice(i, 1);
    }
  }

  private zero(block: number, count: number): void {
    this.flush();
    const chunk = Buffer.alloc(Math.min(count, 256) * BLOCK_SIZE);
    for (let done = 0; done < count; ) {
      const n = Math.min(count - done, 256);
      writeAll(this.fd, chunk.subarray(0, n * BLOCK_SIZE), (block + done) * BLOCK_SIZE);
      done += n;
    }
  }
}

/** Splits one file's stream into whole blocks, skipping all-zero ones. */
class FileWriter implements DataWriter {
  private readonly carry = Buffer.allocUnsafe(BLOCK_SIZE);
  private carryLen = 0;
  /** Next logical block to be written. */
  private lblock = 0;
  private written = 0;
  private readonly runs: number[] = [];

  constructor(
    private readonly area: DataArea,
    private readonly size: number,
    private readonly start: number,
  ) {}

  write(chunk: Buffer): void {
    this.written += chunk.length;
    if (this.written > this.size) throw new Error(`more data than the declared size (${this.size} bytes)`);
    let off = 0;
    if (this.carryLen > 0) {
      const take = Math.min(BLOCK_SIZE - this.carryLen, chunk.length);
      chunk.copy(this.carry, this.carryLen, 0, take);
      this.carryLen += take;
      off = take;
      if (this.carryLen < BLOCK_SIZE) return;
      this.blocks(this.carry);
      this.carryLen = 0;
    }
    const whole = Math.floor((chunk.length - off) / BLOCK_SIZE) * BLOCK_SIZE;
    if (whole > 0) this.blocks(chunk.subarray(off, off + whole));
    off += whole;
    if (off < chunk.length) {
      chunk.copy(this.carry, 0, off);
      this.carryLen = chunk.length - off;
    }
  }

  end(): Extent {
    if (this.written !== this.size) throw new Error(`file data ends after ${this.written} of ${this.size} bytes`);
    if (this.carryLen > 0) {
      this.carry.fill(0, this.carryLen);
      this.blocks(this.carry);
    }
    return new Extent(this.size, this.start, this.runs);
  }

  /** Writes whole blocks, one write per run of non-zero blocks. */
  private blocks(buf: Buffer): void {
    const n = buf.length / BLOCK_SIZE;
    let runStart = -1;
    for (let i = 0; i <= n; i++) {
      const zero = i === n || ZERO_BLOCK.equals(buf.subarray(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE));
      if (!zero && runStart < 0) runStart = i;
      if (zero && runStart >= 0) {
        const lb = this.lblock + runStart;
        this.area.put(this.start + lb, buf.subarray(runStart * BLOCK_SIZE, i * BLOCK_SIZE));
        const last = this.runs.length - 2;
        if (last >= 0 && this.runs[last]! + this.runs[last + 1]! === lb) this.runs[last + 1]! += i - runStart;
        else this.runs.push(lb, i - runStart);
        runStart = -1;
      }
    }
    this.lblock += n;
  }
}

function writeAll(fd: number, buf: Buffer, pos: number): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off, pos + off);
}

function mib(blocks: number): number {
  return (blocks * BLOCK_SIZE) / (1 << 20);
}
