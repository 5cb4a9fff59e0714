// The i8042 keyboard controller, reduced to what a PC guest uses it for here: the reset line.
// Linux reboots (reboot=k, and its fallback for the others) by writing CMD_RESET_CPU to the
// command port after waiting for the input buffer to drain, so the status must read "empty".
import type { BusDevice } from '../../vmm/bus.js';

/** Offsets from the data port (0x60). */
export const OFS_DATA = 0;
export const OFS_STATUS = 4; // read
export const OFS_COMMAND = 4; // write

export const CMD_RESET_CPU = 0xfe;
/** Status bits: system flag set (POST passed), both buffers empty. */
export const SB_SYSTEM_FLAG = 0x04;

export class I8042 implements BusDevice {
  /** @param reset called when the guest pulses the CPU reset line */
  constructor(private readonly reset: () => void) {}

  read(offset: number, data: Uint8Array): void {
    data.fill(0);
    if (offset === OFS_STATUS) data[0] = SB_SYSTEM_FLAG;
  }

  write(offset: number, data: Uint8Array): void {
    if (offset === OFS_COMMAND && data[0] === CMD_RESET_CPU) this.reset();
  }
}
