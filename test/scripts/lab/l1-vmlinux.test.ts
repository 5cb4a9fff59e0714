import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { XEN_ELFNOTE_PHYS32_ENTRY } from '../../../manifest/vmlinux.js';
import { hasPvhNote } from '../../../scripts/lab/l1-vmlinux.js';
import { elfNote, pvhElf } from '../../helpers/pvh-elf.js';

test('finds XEN_ELFNOTE_PHYS32_ENTRY', () => {
  assert.ok(hasPvhNote(pvhElf()));
});

test('other notes, other types and non-ELF data have no PVH entry', () => {
  assert.not.ok(hasPvhNote(pvhElf({ notes: elfNote('Xen', 6, 0) })));
  assert.not.ok(hasPvhNote(pvhElf({ notes: elfNote('GNU', XEN_ELFNOTE_PHYS32_ENTRY, 0) })));
  assert.not.ok(hasPvhNote(Buffer.from('MZ not an elf at all, just some bytes to fill sixty-four of them.')));
});

test('a decompressor output cut short or not for x86-64 is no candidate, not a crash', () => {
  assert.not.ok(hasPvhNote(pvhElf().subarray(0, 0x2010)));
  assert.not.ok(hasPvhNote(pvhElf({ machine: 183 })));
});

test.run();
