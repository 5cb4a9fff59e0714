// A debug-exit port: the guest writes one byte, the VM stops and cc-run exits with that byte as
// its status. Unlike QEMU's isa-debug-exit (status = value * 2 + 1), the value is the status:
//   printf '\007' | dd of=/dev/port bs=1 seek=$((0x501)) count=1   # cc-run exits 7
import type { BusDevice } from '../../vmm/bus.js';

export class DebugExit implements BusDevice {
  /** @param exit called with the status the guest wrote */
  constructor(private readonly exit: (status: number) => void) {}

  read(_offset: number, data: Uint8Array): void {
    data.fill(0);
  }

  write(offset: number, data: Uint8Array): void {
    if (offset === 0) this.exit(data[0]!);
  }
}
