// The i8042 keyboard controller, reduced to what a PC guest uses it for here: the reset line.
// Linux reboots (reboot=k, and its fallback for the others) by writing CMD_RESET_CPU to the
// command port after waiting for the input buffer to drain, so the input-full bit reads clear.
// The output-full bit always reads set with no data behind it: Linux's i8042 driver then finds
// "no controller" at once instead of timing out on every command.
import type { BusDevice } from '../../vmm/bus.js';

/** Offsets from the data port (0x60). */
export const OFS_DATA = 0;
export const OFS_STATUS = 4; // read
export const OFS_COMMAND = 4; // write

export const CMD_RESET_CPU = 0xfe;
/** Status bits. */
export const SB_OUT_DATA_AVAIL = 0x01;
export const SB_IN_BUFFER_FULL = 0x02;
export const SB_SYSTEM_FLAG = 0x04;

export class I8042 implements BusDevice {
  /** @param reset called when the guest pulses the CPU reset line */
  constructor(private readonly reset: () => void) {}

  read(offset: number, data: Uint8Array): void {
    data.fill(0);
    if (offset === OFS_STATUS) data[0] = SB_OUT_DATA_AVAIL | SB_SYSTEM_FLAG;
  }

  write(offset: number, data: Uint8Array): void {
    if (offset === OFS_COMMAND && data[0] === CMD_RESET_CPU) this.reset();
  }
}
