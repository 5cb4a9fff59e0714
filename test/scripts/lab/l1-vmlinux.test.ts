import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasPvhNote } from '../../../scripts/lab/l1-vmlinux.js';

/** A minimal ELF64 with one PT_NOTE holding one note. */
function elfWithNote(name: string, type: number): Buffer {
  const ehdr = Buffer.alloc(64);
  ehdr.writeUInt32BE(0x7f454c46, 0);
  ehdr[4] = 2; // ELFCLASS64
  ehdr.writeBigUInt64LE(64n, 32); // e_phoff
  ehdr.writeUInt16LE(56, 54); // e_phentsize
  ehdr.writeUInt16LE(1, 56); // e_phnum
  const nameBytes = Buffer.from(`${name}\0`);
  const note = Buffer.alloc(12 + Math.ceil(nameBytes.length / 4) * 4 + 4);
  note.writeUInt32LE(nameBytes.length, 0);
  note.writeUInt32LE(4, 4);
  note.writeUInt32LE(type, 8);
  nameBytes.copy(note, 12);
  const phdr = Buffer.alloc(56);
  phdr.writeUInt32LE(4, 0); // PT_NOTE
  phdr.writeBigUInt64LE(120n, 8); // p_offset
  phdr.writeBigUInt64LE(BigInt(note.length), 32); // p_filesz
  return Buffer.concat([ehdr, phdr, note]);
}

test('finds XEN_ELFNOTE_PHYS32_ENTRY', () => {
  assert.ok(hasPvhNote(elfWithNote('Xen', 18)));
});

test('other notes, other types and non-ELF data have no PVH entry', () => {
  assert.not.ok(hasPvhNote(elfWithNote('Xen', 6)));
  assert.not.ok(hasPvhNote(elfWithNote('GNU', 18)));
  assert.not.ok(hasPvhNote(Buffer.from('MZ not an elf at all, just some bytes to fill sixty-four of them.')));
});

test.run();
