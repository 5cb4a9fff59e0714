// The image's data area: file bytes are written straight into the output image while the tar
// streams, so memory holds metadata only. Each file reserves a contiguous span of blocks; a block
// that is all zeros is never written and stays a hole (unallocated, reads as zeros), a hole of
// 2 MiB or more is also skipped in the span (keeping the 2 MiB phase), and what the file did not
// use is given back when it ends. Files of 2 MiB or more start on a 2 MiB boundary so a DAX mapping
// can use huge pages; smaller files fill the gaps that alignment leaves. A file that a later layer
// deletes or replaces is zeroed on disk and its blocks are reused, so deleted bytes never remain
// readable in the image.
import { createHash, type Hash } from 'node:crypto';
import { readSync, writeSync } from 'node:fs';
import type { DataRef, DataStore, DataWriter } from '../tree/data-store.js';

export const BLOCK_SIZE = 4096;
/** 2 MiB in blocks: the huge-page size DAX maps, and the image size granule. */
export const HUGE_BLOCKS = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK_SIZE);
const TAIL = Buffer.alloc(BLOCK_SIZE);
const STAGING_BYTES = 8 << 20;

/** Where a file's bytes are: runs of written blocks inside the span of blocks the file holds. */
export class Extent implements DataRef {
  constructor(
    readonly size: number,
    /** First block of the file's span. */
    readonly start: number,
    /** Blocks in the span (written runs and the small holes between them). */
    readonly span: number,
    /** [logical block, length, physical block] triples of blocks actually written, ascending. */
    readonly runs: number[],
  ) {}
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
    for (let i = 0; i < ext.runs.length; i += 3) this.zero(ext.runs[i + 2]!, ext.runs[i + 1]!);
    if (ext.span > 0) this.release(ext.start, ext.start + ext.span);
  }

  read(ref: DataRef): Buffer {
    const ext = ref as Extent;
    this.flush();
    const out = Buffer.alloc(ext.size);
    for (let i = 0; i < ext.runs.length; i += 3) {
      const pos = ext.runs[i]! * BLOCK_SIZE;
      const len = Math.min(ext.runs[i + 1]! * BLOCK_SIZE, ext.size - pos);
      readSync(this.fd, out, pos, len, ext.runs[i + 2]! * BLOCK_SIZE);
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

  /** A copy of the content hash so far, to derive more from without ending it. */
  peekHash(): Hash {
    return this.hash.copy();
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

  /** Gives blocks back: to the cursor when they are the last ones, else as a gap. @internal */
  release(start: number, end: number): void {
    if (end <= start) return;
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
  /** A block split across chunks; allocated on first need (most files never split one). */
  private carry: Buffer | null = null;
  private carryLen = 0;
  /** Next logical block to be written. */
  private lblock = 0;
  private written = 0;
  private readonly runs: number[] = [];
  /** All-zero blocks seen since the last written one. */
  private hole = 0;
  /** Blocks of large holes taken out of the span (a multiple of HUGE_BLOCKS). */
  private skipped = 0;

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
      const carry = this.carry!;
      const take = Math.min(BLOCK_SIZE - this.carryLen, chunk.length);
      chunk.copy(carry, this.carryLen, 0, take);
      this.carryLen += take;
      off = take;
      if (this.carryLen < BLOCK_SIZE && this.written < this.size) return;
      carry.fill(0, this.carryLen);
      this.blocks(carry);
      this.carryLen = 0;
      if (off === chunk.length) return;
    }
    const whole = Math.floor((chunk.length - off) / BLOCK_SIZE) * BLOCK_SIZE;
    if (whole > 0) this.blocks(chunk.subarray(off, off + whole));
    off += whole;
    if (off === chunk.length) return;
    if (this.written === this.size) {
      // The file's last, partial block: padded with zeros in a scratch block used only right here.
      TAIL.fill(0);
      chunk.copy(TAIL, 0, off);
      this.blocks(TAIL);
      return;
    }
    this.carry ??= Buffer.allocUnsafe(BLOCK_SIZE);
    chunk.copy(this.carry, 0, off);
    this.carryLen = chunk.length - off;
  }

  end(): Extent {
    if (this.written !== this.size) throw new Error(`file data ends after ${this.written} of ${this.size} bytes`);
    const n = this.runs.length;
    const used = n === 0 ? 0 : this.runs[n - 1]! + this.runs[n - 2]! - this.start;
    const reserved = Math.ceil(this.size / BLOCK_SIZE);
    this.area.release(this.start + used, this.start + reserved);
    return new Extent(this.size, this.start, used, this.runs);
  }

  /** Writes whole blocks, one write per run of non-zero blocks. */
  private blocks(buf: Buffer): void {
    const n = buf.length / BLOCK_SIZE;
    let runStart = -1;
    for (let i = 0; i <= n; i++) {
      const zero = i === n || ZERO_BLOCK.compare(buf, i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE) === 0;
      if (!zero && runStart < 0) {
        runStart = i;
        // A hole of 2 MiB or more needs no space: later blocks move down by whole 2 MiB steps,
        // so file offsets and disk blocks stay in the same phase for huge pages.
        this.skipped += Math.floor(this.hole / HUGE_BLOCKS) * HUGE_BLOCKS;
        this.hole = 0;
      }
      if (zero && runStart >= 0) {
        const lb = this.lblock + runStart;
        const len = i - runStart;
        const pb = this.start + lb - this.skipped;
        this.area.put(pb, buf.subarray(runStart * BLOCK_SIZE, i * BLOCK_SIZE));
        const last = this.runs.length - 3;
        if (last >= 0 && this.runs[last]! + this.runs[last + 1]! === lb && this.runs[last + 2]! + this.runs[last + 1]! === pb) this.runs[last + 1]! += len;
        else this.runs.push(lb, len, pb);
        runStart = -1;
      }
      if (zero && i < n) this.hole++;
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
