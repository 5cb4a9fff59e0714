// Port I/O exits go to the PIO bus, one access per element of a string instruction (rep ins/outs).
import type { Bus } from '../../vmm/bus.js';

/** Returns false when no device claims the port (the access is then ignored). */
export function emulatePortIo(pio: Bus, port: number, size: number, count: number, data: Uint8Array, write: boolean): boolean {
  let claimed = true;
  for (let i = 0; i < count; i++) {
    const element = count === 1 ? data : data.subarray(i * size, (i + 1) * size);
    if (write) {
      claimed = pio.write(port, element) && claimed;
    } else if (!pio.read(port, element)) {
      // An unclaimed read sees a floating bus.
      element.fill(0xff);
      claimed = false;
    }
  }
  return claimed;
}
