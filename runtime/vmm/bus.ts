// A bus maps address ranges to devices. Devices know offsets only; device-manager.ts knows addresses.

/** The whole device contract: accesses at an offset from the device's base. */
export interface BusDevice {
  read(offset: number, data: Uint8Array): void;
  write(offset: number, data: Uint8Array): void;
}

export class BusError extends Error {
  constructor(readonly kind: 'overlap' | 'zero-sized-range', message: string) {
    super(message);
    this.name = 'BusError';
  }
}

interface Entry {
  base: number;
  len: number;
  device: BusDevice;
}

export class Bus {
  private readonly entries: Entry[] = [];

  /** Places `device` at [base, base+len). */
  insert(device: BusDevice, base: number, len: number): void {
    if (len <= 0) throw new BusError('zero-sized-range', `bus range at 0x${base.toString(16)} has no length`);
    for (const e of this.entries) {
      if (base < e.base + e.len && e.base < base + len) {
        throw new BusError('overlap', `bus range 0x${base.toString(16)}+${len} overlaps 0x${e.base.toString(16)}+${e.len}`);
      }
    }
    this.entries.push({ base, len, device });
  }

  private find(addr: number): Entry | undefined {
    for (const e of this.entries) if (addr >= e.base && addr < e.base + e.len) return e;
    return undefined;
  }

  /** Reads into `data`; false when no device sits at `addr`. */
  read(addr: number, data: Uint8Array): boolean {
    const e = this.find(addr);
    if (!e) return false;
    e.device.read(addr - e.base, data);
    return true;
  }

  /** Writes `data`; false when no device sits at `addr`. */
  write(addr: number, data: Uint8Array): boolean {
    const e = this.find(addr);
    if (!e) return false;
    e.device.write(addr - e.base, data);
    return true;
  }
}
