// Where the legacy devices sit and which interrupt lines they drive. Devices are built from an
// explicit list in every vCPU thread over the same shared state; the main thread gets the UART
// too, to queue keyboard input.
import { CmosRtc } from '../devices/legacy/cmos-rtc.js';
import { DebugExit } from '../devices/legacy/debug-exit.js';
import { PciHost } from '../devices/legacy/pci-host.js';
import { I8042 } from '../devices/legacy/i8042.js';
import { Serial8250 } from '../devices/legacy/serial8250.js';
import { Bus } from './bus.js';
import type { SharedState } from './shared-state.js';

export const COM1 = 0x3f8;
export const COM1_LEN = 8;
export const COM1_GSI = 4;
export const I8042_BASE = 0x60;
export const I8042_LEN = 5;
export const CMOS_BASE = 0x70;
export const CMOS_LEN = 2;
export const PCI_CONFIG_BASE = 0xcf8;
export const PCI_CONFIG_LEN = 8;
export const DEBUG_EXIT_PORT = 0x501;
export const DEBUG_EXIT_LEN = 1;

/** Sets a GSI's level (VmFd.irqLine). */
export type IrqLine = (gsi: number, level: boolean) => void;

export function createSerial(shared: SharedState, irqLine: IrqLine): Serial8250 {
  return new Serial8250(
    shared.buffers.serial,
    (level) => irqLine(COM1_GSI, level),
    (byte) => shared.pushConsole(byte),
  );
}

/** The port I/O bus for one vCPU thread. */
export function createPioBus(shared: SharedState, irqLine: IrqLine): Bus {
  const pio = new Bus();
  const devices: [string, () => void][] = [
    ['serial8250 COM1', () => pio.insert(createSerial(shared, irqLine), COM1, COM1_LEN)],
    ['i8042', () => pio.insert(new I8042(() => shared.requestStop('reboot')), I8042_BASE, I8042_LEN)],
    ['cmos-rtc', () => pio.insert(new CmosRtc(shared.buffers.cmos), CMOS_BASE, CMOS_LEN)],
    ['pci-host', () => pio.insert(new PciHost(shared.buffers.pciHost), PCI_CONFIG_BASE, PCI_CONFIG_LEN)],
    ['debug-exit', () => pio.insert(new DebugExit((status) => shared.requestStop('exit-port', status)), DEBUG_EXIT_PORT, DEBUG_EXIT_LEN)],
  ];
  for (const [name, add] of devices) {
    try {
      add();
    } catch (e) {
      throw new Error(`device ${name}: ${(e as Error).message}`, { cause: e });
    }
  }
  return pio;
}
