// Where the legacy devices sit and which interrupt lines they drive. Devices are built from an
// explicit list in every vCPU thread over the same shared state; the main thread gets the UART
// too, to queue keyboard input.
import { CmosRtc } from '../devices/legacy/cmos-rtc.js';
import { DebugExit } from '../devices/legacy/debug-exit.js';
import { PciHost } from '../devices/legacy/pci-host.js';
import { I8042 } from '../devices/legacy/i8042.js';
import { Serial8250 } from '../devices/legacy/serial8250.js';
import { Bus } from './bus.js';
import { ByteRing } from './byte-ring.js';
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
/** App runs: COM2 carries the app's stdout (and control input), COM3 its stderr. */
export const COM2 = 0x2f8;
export const COM2_GSI = 3;
export const COM3 = 0x3e8;
export const COM3_GSI = 4;
export const DEBUG_EXIT_PORT = 0x501;
export const DEBUG_EXIT_LEN = 1;

/** Sets a GSI's level (VmFd.irqLine). */
export type IrqLine = (gsi: number, level: boolean) => void;

/** A line that several UARTs drive (COM1 and COM3 on GSI 4): its level is the OR of theirs. */
function sharedLine(shared: SharedState, irqLine: IrqLine, gsi: number, bit: number): (level: boolean) => void {
  const levels = shared.buffers.app ? new Int32Array(shared.buffers.app.irqLevels) : undefined;
  if (!levels) return (level) => irqLine(gsi, level);
  return (level) => {
    const now = level ? Atomics.or(levels, gsi, bit) | bit : Atomics.and(levels, gsi, ~bit) & ~bit;
    irqLine(gsi, now !== 0);
  };
}

export function createSerial(shared: SharedState, irqLine: IrqLine): Serial8250 {
  return new Serial8250(
    shared.buffers.serial,
    sharedLine(shared, irqLine, COM1_GSI, 1),
    (byte) => shared.pushConsole(byte),
  );
}

/** The app's UARTs (only when the VM was built with app streams). */
export function createAppSerials(shared: SharedState, irqLine: IrqLine): { com2: Serial8250; com3: Serial8250 } | undefined {
  const app = shared.buffers.app;
  if (!app) return undefined;
  const stream = (ring: ByteRing) => (byte: number) => {
    ring.push(byte, () => shared.ringFull());
    shared.wakeMain();
  };
  return {
    com2: new Serial8250(app.com2, sharedLine(shared, irqLine, COM2_GSI, 2), stream(new ByteRing(app.stdout))),
    com3: new Serial8250(app.com3, sharedLine(shared, irqLine, COM3_GSI, 4), stream(new ByteRing(app.stderr))),
  };
}

/** The port I/O bus for one vCPU thread. */
export function createPioBus(shared: SharedState, irqLine: IrqLine): Bus {
  const pio = new Bus();
  const app = createAppSerials(shared, irqLine);
  const devices: [string, () => void][] = [
    ['serial8250 COM1', () => pio.insert(createSerial(shared, irqLine), COM1, COM1_LEN)],
    ['i8042', () => pio.insert(new I8042(() => shared.requestStop('reboot')), I8042_BASE, I8042_LEN)],
    ['cmos-rtc', () => pio.insert(new CmosRtc(shared.buffers.cmos), CMOS_BASE, CMOS_LEN)],
    ['pci-host', () => pio.insert(new PciHost(shared.buffers.pciHost), PCI_CONFIG_BASE, PCI_CONFIG_LEN)],
    ['debug-exit', () => pio.insert(new DebugExit((status) => shared.requestStop('exit-port', status)), DEBUG_EXIT_PORT, DEBUG_EXIT_LEN)],
    ...(app
      ? ([
        ['serial8250 COM2', () => pio.insert(app.com2, COM2, COM1_LEN)],
        ['serial8250 COM3', () => pio.insert(app.com3, COM3, COM1_LEN)],
      ] as [string, () => void][])
      : []),
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
