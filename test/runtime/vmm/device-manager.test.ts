// App runs add COM2 and COM3; COM3 shares GSI 4 with COM1, so the line is the OR of both UARTs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UART_IER, UART_IER_THRI, UART_MCR, UART_MCR_OUT2, UART_TX } from '../../../runtime/devices/legacy/serial8250.js';
import { COM1, COM2, COM3, createAppSerials, createPioBus, createSerial } from '../../../runtime/vmm/device-manager.js';
import { ByteRing } from '../../../runtime/vmm/byte-ring.js';
import { createSharedBuffers, SharedState } from '../../../runtime/vmm/shared-state.js';

const w = (dev: { write(o: number, d: Uint8Array): void }, offset: number, value: number) => dev.write(offset, Uint8Array.of(value));

test('COM1 and COM3 drive GSI 4 together: it drops only when both are quiet', () => {
  const shared = new SharedState(createSharedBuffers(1, true));
  const lines = new Map<number, boolean>();
  const irq = (gsi: number, level: boolean) => lines.set(gsi, level);
  const com1 = createSerial(shared, irq);
  const { com2, com3 } = createAppSerials(shared, irq)!;
  for (const u of [com1, com3]) w(u, UART_MCR, UART_MCR_OUT2);
  w(com3, UART_IER, UART_IER_THRI);
  assert.is(lines.get(4), true);
  w(com1, UART_IER, UART_IER_THRI);
  w(com3, UART_IER, 0);
  assert.is(lines.get(4), true, 'COM1 still wants GSI 4');
  w(com1, UART_IER, 0);
  assert.is(lines.get(4), false);
  w(com2, UART_MCR, UART_MCR_OUT2);
  w(com2, UART_IER, UART_IER_THRI);
  assert.is(lines.get(3), true);
});

test('bytes the guest writes to COM2 and COM3 land in the stdout and stderr rings', () => {
  const shared = new SharedState(createSharedBuffers(1, true));
  const pio = createPioBus(shared, () => {});
  for (const [port, text] of [[COM2, 'out'], [COM3, 'err'], [COM1, 'log']] as const) {
    for (const c of Buffer.from(text)) pio.write(port + UART_TX, Uint8Array.of(c));
  }
  const app = shared.buffers.app!;
  assert.is(Buffer.from(new ByteRing(app.stdout).drain()).toString(), 'out');
  assert.is(Buffer.from(new ByteRing(app.stderr).drain()).toString(), 'err');
  assert.is(Buffer.from(shared.drainConsole()).toString(), 'log');
});

test('without app streams there is no COM2 or COM3', () => {
  const shared = new SharedState(createSharedBuffers(1));
  assert.is(createAppSerials(shared, () => {}), undefined);
});

test.run();
