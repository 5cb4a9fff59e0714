import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DebugExit } from '../../../../runtime/devices/legacy/debug-exit.js';

test('the byte written is the status; reads see zero', () => {
  const statuses: number[] = [];
  const dev = new DebugExit((s) => statuses.push(s));
  dev.write(0, new Uint8Array([7]));
  assert.equal(statuses, [7]);
  const d = new Uint8Array([0xaa]);
  dev.read(0, d);
  assert.is(d[0], 0);
});

test.run();
