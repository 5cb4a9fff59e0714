import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildMptable } from '../../../../runtime/arch/x86_64/mptable.js';

const sum = (b: Uint8Array) => b.reduce((a, x) => a + x, 0) & 0xff;

test('floating pointer and table: signatures, pointer, checksums, one entry per CPU', () => {
  const addr = 0x9fc00;
  const t = buildMptable(addr, 3);
  const v = new DataView(t.buffer);
  assert.is(String.fromCharCode(...t.subarray(0, 4)), '_MP_');
  assert.is(v.getUint32(4, true), addr + 16);
  assert.is(sum(t.subarray(0, 16)), 0);
  const table = t.subarray(16);
  assert.is(String.fromCharCode(...table.subarray(0, 4)), 'PCMP');
  assert.is(v.getUint16(16 + 4, true), table.length);
  assert.is(sum(table), 0);
  // Entries start after the 44-byte header: 3 CPUs (20 bytes each, type 0), the first one the BSP.
  assert.equal([table[44], table[45], table[47]], [0, 0, 3]);
  assert.equal([table[64], table[65], table[67]], [0, 1, 1]);
  assert.is(table[84], 0);
  assert.is(table[104], 1); // then the ISA bus
  assert.throws(() => buildMptable(addr, 0));
});

test.run();
