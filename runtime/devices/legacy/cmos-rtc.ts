// The MC146818 CMOS real-time clock at ports 0x70/0x71, reporting the host's UTC time in BCD.
// Without it Linux's rtc_cmos probe waits seconds on a floating bus before giving up.
import type { BusDevice } from '../../vmm/bus.js';

/** Offsets from 0x70. */
export const OFS_INDEX = 0;
export const OFS_DATA = 1;

// Registers (include/linux/mc146818rtc.h).
export const RTC_SECONDS = 0x00;
export const RTC_MINUTES = 0x02;
export const RTC_HOURS = 0x04;
export const RTC_DAY_OF_WEEK = 0x06;
export const RTC_DAY_OF_MONTH = 0x07;
export const RTC_MONTH = 0x08;
export const RTC_YEAR = 0x09;
export const RTC_REG_A = 0x0a;
export const RTC_REG_B = 0x0b;
export const RTC_REG_C = 0x0c;
export const RTC_REG_D = 0x0d;
export const RTC_CENTURY = 0x32;
/** Register A: 32.768 kHz divider, 1024 Hz rate, update not in progress. */
export const RTC_REG_A_VALUE = 0x26;
/** Register B: 24-hour mode (BCD data: DM bit clear). */
export const RTC_24H = 0x02;
/** Register D: valid RAM and time. */
export const RTC_VRT = 0x80;
const NMI_DISABLE = 0x80;

const bcd = (n: number) => ((Math.floor(n / 10) << 4) | (n % 10)) & 0xff;

export interface CmosState {
  buffer: SharedArrayBuffer;
}

export function createCmosState(): CmosState {
  const buffer = new SharedArrayBuffer(4 + 128);
  const ram = new Uint8Array(buffer, 4, 128);
  ram[RTC_REG_A] = RTC_REG_A_VALUE;
  ram[RTC_REG_B] = RTC_24H;
  ram[RTC_REG_D] = RTC_VRT;
  return { buffer };
}

export class CmosRtc implements BusDevice {
  private readonly index: Int32Array;
  private readonly ram: Uint8Array;

  constructor(state: CmosState, private readonly now: () => Date = () => new Date()) {
    this.index = new Int32Array(state.buffer, 0, 1);
    this.ram = new Uint8Array(state.buffer, 4, 128);
  }

  private clock(reg: number): number | undefined {
    const d = this.now();
    switch (reg) {
      case RTC_SECONDS: return bcd(d.getUTCSeconds());
      case RTC_MINUTES: return bcd(d.getUTCMinutes());
      case RTC_HOURS: return bcd(d.getUTCHours());
      case RTC_DAY_OF_WEEK: return bcd(d.getUTCDay() + 1);
      case RTC_DAY_OF_MONTH: return bcd(d.getUTCDate());
      case RTC_MONTH: return bcd(d.getUTCMonth() + 1);
      case RTC_YEAR: return bcd(d.getUTCFullYear() % 100);
      case RTC_CENTURY: return bcd(Math.floor(d.getUTCFullYear() / 100));
      default: return undefined;
    }
  }

  read(offset: number, data: Uint8Array): void {
    data.fill(0);
    if (offset !== OFS_DATA) return;
    const reg = Atomics.load(this.index, 0);
    data[0] = this.clock(reg) ?? this.ram[reg]!;
  }

  write(offset: number, data: Uint8Array): void {
    if (offset === OFS_INDEX) Atomics.store(this.index, 0, data[0]! & ~NMI_DISABLE & 0x7f);
    else if (offset === OFS_DATA) {
      const reg = Atomics.load(this.index, 0);
      // The clock follows the host; status registers C and D are read-only.
      if (this.clock(reg) === undefined && reg !== RTC_REG_C && reg !== RTC_REG_D) this.ram[reg] = data[0]!;
    }
  }
}
