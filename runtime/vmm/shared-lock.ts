// A mutex in shared memory for device state touched by several vCPU threads and the main thread.
// Critical sections are a few register updates, so it spins briefly before sleeping.

export class SharedLock {
  constructor(
    private readonly cells: Int32Array,
    private readonly index: number,
  ) {}

  lock(): void {
    for (let spins = 0; Atomics.compareExchange(this.cells, this.index, 0, 1) !== 0; spins++) {
      if (spins > 100) Atomics.wait(this.cells, this.index, 1, 1);
    }
  }

  unlock(): void {
    Atomics.store(this.cells, this.index, 0);
    Atomics.notify(this.cells, this.index, 1);
  }
}
