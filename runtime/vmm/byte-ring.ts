// A byte ring in shared memory from the vCPU threads (one writer at a time: the UART's lock) to
// the main thread: one per app stream (stdout, stderr), beside the console ring of SharedState.

const WRITTEN = 0; // bytes ever written
const READ = 1; // bytes ever drained
const CELLS = 2;
const DEFAULT_SIZE = 1 << 16;

export interface ByteRingState {
  buffer: SharedArrayBuffer;
}

export function createByteRing(size = DEFAULT_SIZE): ByteRingState {
  return { buffer: new SharedArrayBuffer(CELLS * 4 + size) };
}

export class ByteRing {
  private readonly cells: Int32Array;
  private readonly data: Uint8Array;

  constructor(state: ByteRingState) {
    this.cells = new Int32Array(state.buffer, 0, CELLS);
    this.data = new Uint8Array(state.buffer, CELLS * 4);
  }

  /**
   * Appends one byte. While the ring is full it calls `whileFull` (SharedState.ringFull): true drops
   * the byte (the VM is stopping); else, unless that drained the ring, it waits for the reader.
   */
  push(byte: number, whileFull: () => boolean): void {
    const written = this.cells[WRITTEN]!;
    while (written - Atomics.load(this.cells, READ) >= this.data.length) {
      if (whileFull()) return;
      const read = Atomics.load(this.cells, READ);
      if (written - read >= this.data.length) Atomics.wait(this.cells, READ, read, 10);
    }
    this.data[written % this.data.length] = byte;
    Atomics.store(this.cells, WRITTEN, written + 1);
  }

  /** Takes everything written since the last call; empty when nothing. */
  drain(): Uint8Array {
    const read = this.cells[READ]!;
    const n = Atomics.load(this.cells, WRITTEN) - read;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; ) {
      const at = (read + i) % this.data.length;
      const chunk = Math.min(n - i, this.data.length - at);
      out.set(this.data.subarray(at, at + chunk), i);
      i += chunk;
    }
    Atomics.store(this.cells, READ, read + n);
    Atomics.notify(this.cells, READ);
    return out;
  }
}
