// An 8250/16550A UART (registers as in include/uapi/linux/serial_reg.h). Transmission is instant,
// so THR is always empty; with the FIFO on, Linux detects a 16550A and sends 16 bytes per THRE
// interrupt. State lives in shared memory so every vCPU thread and the main thread (input) can
// drive the same UART; the interrupt is a level that device-manager.ts wires to a GSI.
import type { BusDevice } from '../../vmm/bus.js';
import { SharedLock } from '../../vmm/shared-lock.js';

// Register offsets.
export const UART_RX = 0; // in, DLAB=0
export const UART_TX = 0; // out, DLAB=0
export const UART_DLL = 0; // DLAB=1
export const UART_IER = 1; // DLAB=0
export const UART_DLM = 1; // DLAB=1
export const UART_IIR = 2; // in
export const UART_FCR = 2; // out
export const UART_LCR = 3;
export const UART_MCR = 4;
export const UART_LSR = 5;
export const UART_MSR = 6;
export const UART_SCR = 7;

export const UART_IER_RDI = 0x01;
export const UART_IER_THRI = 0x02;
export const UART_IIR_NO_INT = 0x01;
export const UART_IIR_THRI = 0x02;
export const UART_IIR_RDI = 0x04;
export const UART_IIR_FIFO_ENABLED = 0xc0;
export const UART_FCR_ENABLE_FIFO = 0x01;
export const UART_FCR_CLEAR_RCVR = 0x02;
export const UART_LCR_DLAB = 0x80;
export const UART_MCR_DTR = 0x01;
export const UART_MCR_RTS = 0x02;
export const UART_MCR_OUT1 = 0x04;
export const UART_MCR_OUT2 = 0x08;
export const UART_MCR_LOOP = 0x10;
export const UART_LSR_DR = 0x01;
export const UART_LSR_THRE = 0x20;
export const UART_LSR_TEMT = 0x40;
export const UART_MSR_CTS = 0x10;
export const UART_MSR_DSR = 0x20;
export const UART_MSR_RI = 0x40;
export const UART_MSR_DCD = 0x80;

// Cells of the shared state.
const LOCK = 0;
const IER = 1;
const LCR = 2;
const MCR = 3;
const SCR = 4;
const DLL = 5;
const DLM = 6;
const FCR = 7;
const IRQ_LEVEL = 8;
const RX_HEAD = 9;
const RX_TAIL = 10;
const CELLS = 16;
const RX_SIZE = 4096;

/** The UART's registers and receive buffer, in memory that can be shared with workers. */
export interface SerialState {
  buffer: SharedArrayBuffer;
}

export function createSerialState(): SerialState {
  const buffer = new SharedArrayBuffer(CELLS * 4 + RX_SIZE);
  // Line settings Linux's early console expects: 8N1, DTR|RTS|OUT2 (kvmtool and QEMU reset values).
  const cells = new Int32Array(buffer, 0, CELLS);
  cells[LCR] = 0x03;
  cells[MCR] = UART_MCR_OUT2;
  cells[DLL] = 0x0c;
  return { buffer };
}

export class Serial8250 implements BusDevice {
  private readonly cells: Int32Array;
  private readonly rx: Uint8Array;
  private readonly mutex: SharedLock;

  /**
   * @param irq sets the interrupt line's level
   * @param transmit receives every byte the guest sends
   */
  constructor(
    state: SerialState,
    private readonly irq: (level: boolean) => void,
    private readonly transmit: (byte: number) => void,
  ) {
    this.cells = new Int32Array(state.buffer, 0, CELLS);
    this.rx = new Uint8Array(state.buffer, CELLS * 4, RX_SIZE);
    this.mutex = new SharedLock(this.cells, LOCK);
  }

  private rxCount(): number {
    return (this.cells[RX_TAIL]! - this.cells[RX_HEAD]! + RX_SIZE) % RX_SIZE;
  }

  private pushRx(byte: number): boolean {
    if (this.rxCount() === RX_SIZE - 1) return false;
    const tail = this.cells[RX_TAIL]!;
    this.rx[tail] = byte;
    this.cells[RX_TAIL] = (tail + 1) % RX_SIZE;
    return true;
  }

  private popRx(): number {
    if (this.rxCount() === 0) return 0;
    const head = this.cells[RX_HEAD]!;
    this.cells[RX_HEAD] = (head + 1) % RX_SIZE;
    return this.rx[head]!;
  }

  /** The interrupt identification the UART reports now (without FIFO bits). */
  private pendingIir(): number {
    const ier = this.cells[IER]!;
    if (ier & UART_IER_RDI && this.rxCount() > 0) return UART_IIR_RDI;
    if (ier & UART_IER_THRI) return UART_IIR_THRI;
    return UART_IIR_NO_INT;
  }

  private updateIrq(): void {
    // OUT2 gates the interrupt line on PC UARTs.
    const level = this.pendingIir() !== UART_IIR_NO_INT && (this.cells[MCR]! & UART_MCR_OUT2) !== 0 ? 1 : 0;
    if (this.cells[IRQ_LEVEL] !== level) {
      this.cells[IRQ_LEVEL] = level;
      this.irq(level === 1);
    }
  }

  private modemStatus(): number {
    const mcr = this.cells[MCR]!;
    if (!(mcr & UART_MCR_LOOP)) return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
    let msr = 0;
    if (mcr & UART_MCR_RTS) msr |= UART_MSR_CTS;
    if (mcr & UART_MCR_DTR) msr |= UART_MSR_DSR;
    if (mcr & UART_MCR_OUT1) msr |= UART_MSR_RI;
    if (mcr & UART_MCR_OUT2) msr |= UART_MSR_DCD;
    return msr;
  }

  private readRegister(offset: number): number {
    const dlab = (this.cells[LCR]! & UART_LCR_DLAB) !== 0;
    switch (offset) {
      case UART_RX:
        return dlab ? this.cells[DLL]! : this.popRx();
      case UART_IER:
        return dlab ? this.cells[DLM]! : this.cells[IER]!;
      case UART_IIR:
        return this.pendingIir() | (this.cells[FCR]! & UART_FCR_ENABLE_FIFO ? UART_IIR_FIFO_ENABLED : 0);
      case UART_LCR:
        return this.cells[LCR]!;
      case UART_MCR:
        return this.cells[MCR]!;
      case UART_LSR:
        return UART_LSR_THRE | UART_LSR_TEMT | (this.rxCount() > 0 ? UART_LSR_DR : 0);
      case UART_MSR:
        return this.modemStatus();
      case UART_SCR:
        return this.cells[SCR]!;
      default:
        return 0;
    }
  }

  private writeRegister(offset: number, value: number): void {
    const dlab = (this.cells[LCR]! & UART_LCR_DLAB) !== 0;
    switch (offset) {
      case UART_TX:
        if (dlab) this.cells[DLL] = value;
        else if (this.cells[MCR]! & UART_MCR_LOOP) this.pushRx(value);
        else this.transmit(value);
        break;
      case UART_IER:
        if (dlab) this.cells[DLM] = value;
        else this.cells[IER] = value & 0x0f;
        break;
      case UART_FCR:
        this.cells[FCR] = value;
        if (value & UART_FCR_CLEAR_RCVR) this.cells[RX_HEAD] = this.cells[RX_TAIL]!;
        break;
      case UART_LCR:
        this.cells[LCR] = value;
        break;
      case UART_MCR:
        this.cells[MCR] = value;
        break;
      case UART_SCR:
        this.cells[SCR] = value;
        break;
      // LSR and MSR are read-only.
    }
  }

  read(offset: number, data: Uint8Array): void {
    this.mutex.lock();
    try {
      data[0] = this.readRegister(offset);
      for (let i = 1; i < data.length; i++) data[i] = 0;
      this.updateIrq();
    } finally {
      this.mutex.unlock();
    }
  }

  write(offset: number, data: Uint8Array): void {
    this.mutex.lock();
    try {
      this.writeRegister(offset, data[0]!);
      this.updateIrq();
    } finally {
      this.mutex.unlock();
    }
  }

  /** Queues bytes typed by the user; returns how many fit. Called from the main thread. */
  enqueueInput(bytes: Uint8Array): number {
    this.mutex.lock();
    try {
      let n = 0;
      while (n < bytes.length && this.pushRx(bytes[n]!)) n++;
      this.updateIrq();
      return n;
    } finally {
      this.mutex.unlock();
    }
  }
}
