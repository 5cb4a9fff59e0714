import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { GuestMemory } from '../../../runtime/memory/guest-memory.js';
import { writePvhBootInfo } from '../../../runtime/loader/pvh.js';
import { XEN_HVM_START_MAGIC_VALUE } from '../../../runtime/uapi/start_info.js';

test('start info points at the memmap and the command line', () => {
  const ram = new Uint8Array(0x30000);
  const mem: GuestMemory = { read: (a, b) => b.set(ram.subarray(a, a + b.length)), write: (a, b) => ram.set(b, a) };
  const at = writePvhBootInfo(mem, {
    startInfoAddr: 0x6000, memmapAddr: 0x7000, cmdlineAddr: 0x20000, cmdline: new TextEncoder().encode('rw\0'),
    memmap: [{ addr: 0, size: 0x9fc00, type: 1 }, { addr: 0x1000_0000, size: 0x200_0000, type: 12 }],
  });
  const v = new DataView(ram.buffer);
  assert.is(at, 0x6000);
  assert.is(v.getUint32(0x6000, true), XEN_HVM_START_MAGIC_VALUE);
  assert.is(v.getUint32(0x6004, true), 1);
  assert.is(Number(v.getBigUint64(0x6018, true)), 0x20000);
  assert.is(Number(v.getBigUint64(0x6028, true)), 0x7000);
  assert.is(v.getUint32(0x6030, true), 2);
  assert.is(Number(v.getBigUint64(0x7018, true)), 0x1000_0000);
  assert.is(v.getUint32(0x7018 + 16, true), 12);
  assert.equal([...ram.subarray(0x20000, 0x20003)], [0x72, 0x77, 0]);
});

test.run();
