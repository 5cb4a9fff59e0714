import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createSerialState, Serial8250, UART_FCR, UART_IER, UART_IER_RDI, UART_IER_THRI, UART_IIR, UART_IIR_NO_INT,
  UART_IIR_RDI, UART_IIR_THRI, UART_LCR, UART_LCR_DLAB, UART_LSR, UART_LSR_DR, UART_LSR_TEMT, UART_LSR_THRE, UART_MCR,
  UART_MCR_LOOP, UART_MCR_OUT2, UART_MSR, UART_RX, UART_SCR, UART_TX,
} from '../../../../runtime/devices/legacy/serial8250.js';

function uart() {
  const out: number[] = [];
  const irqs: boolean[] = [];
  const state = createSerialState();
  const dev = new Serial8250(state, (l) => irqs.push(l), (b) => out.push(b));
  const rd = (o: number) => {
    const d = new Uint8Array(1);
    dev.read(o, d);
    return d[0]!;
  };
  const wr = (o: number, v: number) => dev.write(o, new Uint8Array([v]));
  return { dev, out, irqs, rd, wr, state };
}

test('THR bytes go out; LSR always reports the transmitter empty', () => {
  const u = uart();
  for (const c of 'hi\n') u.wr(UART_TX, c.charCodeAt(0));
  assert.equal(String.fromCharCode(...u.out), 'hi\n');
  assert.is(u.rd(UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT), UART_LSR_THRE | UART_LSR_TEMT);
});

test('THRE interrupt: raised while enabled, lowered when disabled (level changes only)', () => {
  const u = uart();
  u.wr(UART_MCR, UART_MCR_OUT2);
  assert.is(u.rd(UART_IIR) & 0x0f, UART_IIR_NO_INT);
  u.wr(UART_IER, UART_IER_THRI);
  assert.is(u.rd(UART_IIR) & 0x0f, UART_IIR_THRI);
  u.wr(UART_TX, 0x41);
  u.wr(UART_IER, 0);
  assert.equal(u.irqs, [true, false]);
});

test('input: DR, RDI interrupt before THRE, bytes in order, shared between instances', () => {
  const u = uart();
  u.wr(UART_MCR, UART_MCR_OUT2);
  u.wr(UART_IER, UART_IER_RDI | UART_IER_THRI);
  // The main thread queues input through its own instance over the same shared state.
  const main = new Serial8250(u.state, () => {}, () => {});
  assert.is(main.enqueueInput(new TextEncoder().encode('ok')), 2);
  assert.is(u.rd(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
  assert.is(u.rd(UART_IIR) & 0x0f, UART_IIR_RDI);
  assert.is(u.rd(UART_RX), 0x6f);
  assert.is(u.rd(UART_RX), 0x6b);
  assert.is(u.rd(UART_LSR) & UART_LSR_DR, 0);
  assert.is(u.rd(UART_IIR) & 0x0f, UART_IIR_THRI);
});

test('what Linux probes: scratch, IER low nibble, loopback MSR 0x90, FIFO bits, divisor latch', () => {
  const u = uart();
  u.wr(UART_SCR, 0xa5);
  assert.is(u.rd(UART_SCR), 0xa5);
  u.wr(UART_IER, 0xff);
  assert.is(u.rd(UART_IER), 0x0f);
  u.wr(UART_MCR, UART_MCR_LOOP | 0x0a);
  assert.is(u.rd(UART_MSR) & 0xf0, 0x90);
  u.wr(UART_TX, 0x55);
  assert.equal(u.out, []);
  assert.is(u.rd(UART_RX), 0x55);
  u.wr(UART_FCR, 0x01);
  assert.is(u.rd(UART_IIR) & 0xc0, 0xc0);
  u.wr(UART_LCR, UART_LCR_DLAB | 0x03);
  u.wr(UART_TX, 0x01);
  assert.is(u.rd(UART_RX), 0x01);
  assert.equal(u.out, []);
});

test.run();
