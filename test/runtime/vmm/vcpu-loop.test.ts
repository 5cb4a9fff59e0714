import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { VcpuExit } from '../../../runtime/kvm/vcpu.js';
import { Bus, type BusDevice } from '../../../runtime/vmm/bus.js';
import { handleExit, runSlice, runVcpuLoop, type ExitContext } from '../../../runtime/vmm/vcpu-loop.js';
import type { StopReason } from '../../../runtime/vmm/stop.js';
import { KVM_SYSTEM_EVENT } from '../../../runtime/uapi/kvm.js';

class Recorder implements BusDevice {
  writes: [number, number[]][] = [];
  read(offset: number, data: Uint8Array): void {
    data.fill(0x40 + offset);
  }
  write(offset: number, data: Uint8Array): void {
    this.writes.push([offset, [...data]]);
  }
}

function context(): ExitContext & { counts: Record<string, number>; stops: [StopReason, number | undefined][]; dev: Recorder } {
  const pio = new Bus();
  const mmio = new Bus();
  const dev = new Recorder();
  pio.insert(dev, 0x3f8, 8);
  mmio.insert(dev, 0xd000_0000, 0x1000);
  const counts: Record<string, number> = {};
  const stops: [StopReason, number | undefined][] = [];
  return {
    pio, mmio, dev, counts, stops,
    count: (k) => void (counts[k] = (counts[k] ?? 0) + 1),
    requestStop: (r, s) => void stops.push([r, s]),
    stopRequested: () => stops.length > 0,
  };
}

test('port I/O goes to the device at its offset; rep outsb is split per element', () => {
  const ctx = context();
  assert.is(handleExit({ kind: 'io-out', port: 0x3f8, size: 1, count: 3, data: new Uint8Array([1, 2, 3]) }, ctx), 'handled');
  assert.equal(ctx.dev.writes, [[0, [1]], [0, [2]], [0, [3]]]);
  const data = new Uint8Array(1);
  handleExit({ kind: 'io-in', port: 0x3fd, size: 1, count: 1, data }, ctx);
  assert.is(data[0], 0x45);
  assert.is(ctx.counts['io-out'], 1);
  assert.is(ctx.counts['io-in'], 1);
});

test('unclaimed port and MMIO accesses are counted and ignored; reads see 0xff', () => {
  const ctx = context();
  const data = new Uint8Array(2);
  assert.is(handleExit({ kind: 'io-in', port: 0x80, size: 2, count: 1, data }, ctx), 'handled');
  assert.equal([...data], [0xff, 0xff]);
  assert.is(handleExit({ kind: 'io-out', port: 0x80, size: 1, count: 1, data: new Uint8Array(1) }, ctx), 'handled');
  const m = new Uint8Array(4);
  assert.is(handleExit({ kind: 'mmio-read', addr: 0x1234, data: m }, ctx), 'handled');
  assert.equal([...m], [0xff, 0xff, 0xff, 0xff]);
  assert.is(handleExit({ kind: 'mmio-write', addr: 0xd000_0010, data: new Uint8Array([9]) }, ctx), 'handled');
  assert.equal(ctx.dev.writes, [[0x10, [9]]]);
  assert.is(ctx.counts['unclaimed-pio'], 2);
  assert.is(ctx.counts['unclaimed-mmio'], 1);
  assert.equal(ctx.stops, []);
});

test('guest-ending exits stop the VM with their reason', () => {
  const cases: [VcpuExit, StopReason][] = [
    [{ kind: 'shutdown' }, 'triple-fault'],
    [{ kind: 'system-event', type: KVM_SYSTEM_EVENT.RESET }, 'reboot'],
    [{ kind: 'system-event', type: KVM_SYSTEM_EVENT.SHUTDOWN }, 'poweroff'],
    [{ kind: 'system-event', type: KVM_SYSTEM_EVENT.CRASH }, 'crash'],
    [{ kind: 'internal-error', suberror: 1 }, 'crash'],
    [{ kind: 'fail-entry', reason: 0x80000021n }, 'crash'],
  ];
  for (const [exit, reason] of cases) {
    const ctx = context();
    assert.is(handleExit(exit, ctx), 'stopped', exit.kind);
    assert.equal(ctx.stops, [[reason, undefined]], exit.kind);
  }
});

test('a kick is "interrupted" unless a stop was requested', () => {
  const ctx = context();
  assert.is(handleExit({ kind: 'interrupted' }, ctx), 'interrupted');
  ctx.requestStop('timeout');
  assert.is(handleExit({ kind: 'interrupted' }, ctx), 'stopped');
});

test('an unknown exit reason throws VcpuError unhandled-exit', () => {
  const ctx = context();
  try {
    handleExit({ kind: 'unknown', reason: 99 }, ctx);
    assert.unreachable();
  } catch (e) {
    assert.is((e as { kind: string }).kind, 'unhandled-exit');
  }
});

test('the loop runs until a device asks to stop', () => {
  const ctx = context();
  ctx.pio.insert({ read() {}, write: (_o, d) => ctx.requestStop('exit-port', d[0]) }, 0x501, 1);
  const exits: VcpuExit[] = [
    { kind: 'io-out', port: 0x3f8, size: 1, count: 1, data: new Uint8Array([65]) },
    { kind: 'interrupted' },
    { kind: 'io-out', port: 0x501, size: 1, count: 1, data: new Uint8Array([7]) },
    { kind: 'io-out', port: 0x3f8, size: 1, count: 1, data: new Uint8Array([66]) },
  ];
  let runs = 0;
  runVcpuLoop(() => exits[runs++]!, ctx);
  assert.is(runs, 3);
  assert.equal(ctx.stops, [['exit-port', 7]]);
});

test('a slice ends at a kick (the main thread then serves its event loop), calling afterExit after each handled exit', () => {
  const ctx = context();
  const exits: VcpuExit[] = [
    { kind: 'io-out', port: 0x3f8, size: 1, count: 1, data: new Uint8Array([65]) },
    { kind: 'io-out', port: 0x3f8, size: 1, count: 1, data: new Uint8Array([66]) },
    { kind: 'interrupted' },
    { kind: 'io-out', port: 0x501, size: 1, count: 1, data: new Uint8Array([7]) },
  ];
  ctx.pio.insert({ read() {}, write: (_o, d) => ctx.requestStop('exit-port', d[0]) }, 0x501, 1);
  let runs = 0;
  let after = 0;
  assert.is(runSlice(() => exits[runs++]!, ctx, () => after++), 'interrupted');
  assert.is(runs, 3);
  assert.is(after, 2);
  assert.is(runSlice(() => exits[runs++]!, ctx), 'stopped');
  assert.equal(ctx.stops, [['exit-port', 7]]);
});

test.run();
