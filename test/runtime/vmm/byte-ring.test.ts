import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ByteRing, createByteRing } from '../../../runtime/vmm/byte-ring.js';

test('bytes come out in order, across the wrap-around, and only once', () => {
  const state = createByteRing(8);
  const writer = new ByteRing(state);
  const reader = new ByteRing(state);
  const all: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 6; i++) writer.push(round * 10 + i, () => false);
    all.push(...reader.drain());
  }
  assert.equal(all, [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 25, 30, 31, 32, 33, 34, 35, 40, 41, 42, 43, 44, 45]);
  assert.is(reader.drain().length, 0);
});

test('a full ring drops the byte once the VM is stopping instead of waiting for the reader', () => {
  const ring = new ByteRing(createByteRing(4));
  for (let i = 0; i < 4; i++) ring.push(i, () => false);
  ring.push(99, () => true);
  assert.equal([...ring.drain()], [0, 1, 2, 3]);
});

test.run();
