import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gdtEntry, kvmSegmentFromGdt, PVH_GDT, GDT_CODE, GDT_TSS } from '../../../../runtime/arch/x86_64/gdt.js';

test('descriptors encode as the CPU expects and decode to flat 4 GiB segments', () => {
  assert.is(gdtEntry(0xc09b, 0, 0xfffff), 0x00cf9b000000ffffn);
  assert.is(gdtEntry(0x008b, 0, 0x67), 0x00008b0000000067n);
  const cs = kvmSegmentFromGdt(PVH_GDT[GDT_CODE]!, GDT_CODE);
  assert.equal([cs.base, cs.limit, cs.selector, cs.type, cs.present, cs.db, cs.s, cs.l, cs.g], [0, 0xffffffff, 8, 0xb, 1, 1, 1, 0, 1]);
  const tr = kvmSegmentFromGdt(PVH_GDT[GDT_TSS]!, GDT_TSS);
  assert.equal([tr.limit, tr.type, tr.s, tr.g, tr.selector], [0x67, 0xb, 0, 0, 24]);
});

test.run();
