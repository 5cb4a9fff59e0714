import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bus, BusError } from '../../../runtime/vmm/bus.js';

const dev = { read: (o: number, d: Uint8Array) => void d.fill(o), write() {} };

test('devices get offsets from their base; misses return false', () => {
  const bus = new Bus();
  bus.insert(dev, 0x60, 5);
  const d = new Uint8Array(1);
  assert.ok(bus.read(0x64, d));
  assert.is(d[0], 4);
  assert.not.ok(bus.read(0x65, d));
});

test('overlapping and empty ranges are refused', () => {
  const bus = new Bus();
  bus.insert(dev, 0x3f8, 8);
  assert.throws(() => bus.insert(dev, 0x3ff, 1), (e: BusError) => e.kind === 'overlap');
  assert.throws(() => bus.insert(dev, 0x100, 0), (e: BusError) => e.kind === 'zero-sized-range');
});

test.run();
