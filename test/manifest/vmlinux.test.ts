// The shared vmlinux reader on ELF files made here (test/helpers/pvh-elf.ts), checked against
// readelf and <elf.h>; on each way a file can be cut short or lie about its sizes; on a real
// kernel from the cache when one is there.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, openSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kernelsDir } from '../../builder/kernel/cache.js';
import {
  EI_CLASS, EI_DATA, ELF64_SIZEOF, Elf64_Ehdr, Elf64_Nhdr, Elf64_Phdr, ELFCLASS32, ELFCLASS64, ELFDATA2LSB, EM_X86_64, ET_EXEC,
  parseVmlinux, PF_R, PF_W, PF_X, PN_XNUM, PT_LOAD, PT_NOTE, readVmlinuxLayout, VmlinuxError, XEN_ELFNOTE_PHYS32_ENTRY,
  type VmlinuxErrorKind, type VmlinuxLayout,
} from '../../manifest/vmlinux.js';
import { cValues } from '../helpers/c-values.js';
import { elfNote, pvhElf } from '../helpers/pvh-elf.js';
import { scratchDir } from '../helpers/scratch.js';

const dir = scratchDir('vmlinux');
/** pvhElf's program headers: the PT_LOAD, then the PT_NOTE; its notes at NOTES. */
const LOAD_PH = ELF64_SIZEOF.Elf64_Ehdr;
const NOTE_PH = LOAD_PH + ELF64_SIZEOF.Elf64_Phdr;
const NOTES = 0x2000;

function write(bytes: Uint8Array, name = 'vmlinux'): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Reads the file both ways the reader offers and checks they agree. */
function read(bytes: Uint8Array): VmlinuxLayout {
  const fromBytes = parseVmlinux(bytes);
  const fd = openSync(write(bytes), 'r');
  try {
    assert.equal(readVmlinuxLayout(fd), fromBytes, 'fd and in-memory readers agree');
  } finally {
    closeSync(fd);
  }
  return fromBytes;
}

/** Expects both ways of reading to throw the same VmlinuxError. */
function refuses(bytes: Uint8Array, kind: VmlinuxErrorKind, message: RegExp): void {
  const errors = [() => parseVmlinux(bytes), () => {
    const fd = openSync(write(bytes), 'r');
    try {
      readVmlinuxLayout(fd);
    } finally {
      closeSync(fd);
    }
  }].map((f) => {
    try {
      f();
    } catch (e) {
      return e;
    }
    return assert.unreachable(`expected a ${kind} VmlinuxError for ${message}`);
  });
  for (const e of errors) {
    assert.instance(e, VmlinuxError, String(e));
    assert.is((e as VmlinuxError).kind, kind, (e as VmlinuxError).message);
    assert.match((e as VmlinuxError).message, message);
  }
}

/** pvhElf() with `edit` applied to its bytes. */
function edited(edit: (b: Buffer) => void, base = pvhElf()): Buffer {
  const b = Buffer.from(base);
  edit(b);
  return b;
}

/** What readelf (binutils) says about the same file: the PT_LOADs and the Xen PHYS32_ENTRY note. */
function readelf(path: string): VmlinuxLayout {
  const flagBits: Record<string, number> = { R: PF_R, W: PF_W, E: PF_X };
  const loads = execFileSync('readelf', ['-lW', path], { encoding: 'utf8' }).split('\n')
    .map((line) => /^\s*LOAD\s+(0x\S+)\s+(0x\S+)\s+(0x\S+)\s+(0x\S+)\s+(0x\S+)\s(.{3})/.exec(line))
    .filter((m) => m !== null)
    .map((m) => ({
    offset: Number(m[1]), vaddr: BigInt(m[2]!), paddr: Number(m[3]), filesz: Number(m[4]), memsz: Number(m[5]),
    flags: [...m[6]!].reduce((f, c) => f | (flagBits[c] ?? 0), 0),
  }));
  const note = execFileSync('readelf', ['-nW', path], { encoding: 'utf8' }).split('\n')
    .map((line) => /^\s*Xen\s+0x0000000[48]\s.*(?:0x00000012|PHYS32_ENTRY).*description data:\s*((?:[0-9a-f]{2}\s*)+)$/.exec(line))
    .find((m) => m);
  const bytes = note?.[1]!.trim().split(/\s+/).map((h) => parseInt(h, 16));
  const pvhEntry = bytes?.reduceRight((n, b) => n * 256 + b, 0);
  return pvhEntry === undefined ? { loads: loads as VmlinuxLayout['loads'] } : { loads: loads as VmlinuxLayout['loads'], pvhEntry };
}

const withoutIndex = (l: VmlinuxLayout) => ({ ...l, loads: l.loads.map(({ index: _, ...rest }) => rest) });

test('struct offsets and constants match <elf.h>', () => {
  const exprs: Record<string, number> = {
    'sizeof(Elf64_Ehdr)': ELF64_SIZEOF.Elf64_Ehdr,
    'sizeof(Elf64_Phdr)': ELF64_SIZEOF.Elf64_Phdr,
    'sizeof(Elf64_Nhdr)': ELF64_SIZEOF.Elf64_Nhdr,
    EI_CLASS, EI_DATA, ELFCLASS32, ELFCLASS64, ELFDATA2LSB, ET_EXEC, EM_X86_64, PT_LOAD, PT_NOTE, PN_XNUM, PF_R, PF_W, PF_X,
  };
  for (const [struct, fields] of [['Elf64_Ehdr', Elf64_Ehdr], ['Elf64_Phdr', Elf64_Phdr], ['Elf64_Nhdr', Elf64_Nhdr]] as const) {
    for (const [field, offset] of Object.entries(fields)) exprs[`offsetof(${struct}, ${field})`] = offset;
  }
  const c = cValues(['#include <elf.h>'], Object.keys(exprs));
  for (const [expr, ours] of Object.entries(exprs)) assert.is(ours, c[expr], expr);
});

test('a generated vmlinux: every PT_LOAD field and the PVH entry, as readelf reads them', () => {
  const notes = Buffer.concat([elfNote('GNU', 3, 0), elfNote('Linux', 6, 0), elfNote('Xen', XEN_ELFNOTE_PHYS32_ENTRY, 0x1234560)]);
  const bytes = pvhElf({ notes });
  const layout = read(bytes);
  assert.equal(layout, {
    loads: [{ index: 0, offset: 0x1000, vaddr: 0xffffffff81000000n, paddr: 0x1000000, filesz: 0x1000, memsz: 0x1000, flags: PF_R | PF_X }],
    pvhEntry: 0x1234560,
  });
  assert.equal(withoutIndex(layout), readelf(write(bytes)));
});

test('the PVH entry: an 8-byte descriptor as the kernel writes it, the first Xen note of several, none at all', () => {
  const quad = Buffer.from(elfNote('Xen', XEN_ELFNOTE_PHYS32_ENTRY, 0));
  const eight = Buffer.concat([quad.subarray(0, 16), Buffer.alloc(8)]);
  eight.writeUInt32LE(8, Elf64_Nhdr.n_descsz);
  eight.writeBigUInt64LE(0x1c3b1e0n, 16);
  const layout = read(pvhElf({ notes: eight }));
  assert.is(layout.pvhEntry, 0x1c3b1e0);
  assert.equal(withoutIndex(layout), readelf(write(pvhElf({ notes: eight }))));

  const two = Buffer.concat([elfNote('Xen', 17, 5), elfNote('Xen', XEN_ELFNOTE_PHYS32_ENTRY, 0x2000000), elfNote('Xen', XEN_ELFNOTE_PHYS32_ENTRY, 0x3000000)]);
  assert.is(read(pvhElf({ notes: two })).pvhEntry, 0x2000000);
  // Not the name "Xen": "Xenon", "Xe", "GNU" with type 18 are someone else's notes.
  const others = Buffer.concat([elfNote('Xenon', 18, 1), elfNote('Xe', 18, 2), elfNote('GNU', 18, 3)]);
  const none = read(pvhElf({ notes: others }));
  assert.is(none.pvhEntry, undefined);
  assert.not.ok('pvhEntry' in none);
});

test('a PT_NOTE with p_align 8 pads its notes to 8 bytes', () => {
  // namesz 4 ("Xen\0") pads to 8, so the descriptor is at +20, not +16.
  const notes = Buffer.alloc(28);
  notes.writeUInt32LE(4, Elf64_Nhdr.n_namesz);
  notes.writeUInt32LE(8, Elf64_Nhdr.n_descsz);
  notes.writeUInt32LE(XEN_ELFNOTE_PHYS32_ENTRY, Elf64_Nhdr.n_type);
  notes.write('Xen\0', 12, 'latin1');
  notes.writeBigUInt64LE(0x1000200n, 20);
  const bytes = edited((b) => b.writeBigUInt64LE(8n, NOTE_PH + Elf64_Phdr.p_align), pvhElf({ notes }));
  assert.is(read(bytes).pvhEntry, 0x1000200);
});

test('hostile headers: each is refused with a VmlinuxError naming the fault, by both readers', () => {
  const u16 = (at: number, v: number) => (b: Buffer) => b.writeUInt16LE(v, at);
  const u32 = (at: number, v: number) => (b: Buffer) => b.writeUInt32LE(v, at);
  const u64 = (at: number, v: bigint) => (b: Buffer) => b.writeBigUInt64LE(v, at);
  const bz = Buffer.alloc(0x400);
  bz.write('MZ', 0, 'latin1');
  bz.write('HdrS', 0x202, 'latin1');
  const cases: [string, Uint8Array, VmlinuxErrorKind, RegExp][] = [
    ['empty file', Buffer.alloc(0), 'not-elf', /not an ELF file/],
    ['a shell script', Buffer.from('#!/bin/sh\nexit 0\n'), 'not-elf', /not an ELF file/],
    ['a bzImage', bz, 'bzimage', /compressed bzImage/],
    ['the magic alone', Buffer.from('\x7fELF', 'latin1'), 'truncated', /shorter than an ELF64 header/],
    ['half an ELF64 header', pvhElf().subarray(0, 40), 'truncated', /40 bytes, shorter than an ELF64 header \(64\)/],
    ['a 32-bit ELF', edited((b) => { b[EI_CLASS] = ELFCLASS32; }), 'wrong-class', /32-bit ELF, not ELF64/],
    ['a 32-bit ELF header alone (52 bytes)', edited((b) => { b[EI_CLASS] = ELFCLASS32; }).subarray(0, 52), 'wrong-class', /32-bit/],
    ['a big-endian ELF', edited((b) => { b[EI_DATA] = 2; }), 'wrong-class', /not a little-endian ELF/],
    ['another machine (EM_386)', pvhElf({ machine: 3 }), 'wrong-machine', /e_machine 3 is not x86-64 \(62\)/],
    ['AArch64', pvhElf({ machine: 183 }), 'wrong-machine', /e_machine 183/],
    ['a shared object', edited(u16(Elf64_Ehdr.e_type, 3)), 'wrong-type', /e_type 3 is not an executable/],
    ['e_phentsize 32', edited(u16(Elf64_Ehdr.e_phentsize, 32)), 'bad-header', /e_phentsize 32 is not sizeof\(Elf64_Phdr\) \(56\)/],
    ['e_phnum PN_XNUM', edited(u16(Elf64_Ehdr.e_phnum, PN_XNUM)), 'bad-header', /PN_XNUM/],
    ['program header table past the end', edited(u64(Elf64_Ehdr.e_phoff, 0x2fe0n)), 'truncated', /program header table \(2 entries at 0x2fe0\).*past the end of the file \(0x3000 bytes\)/],
    ['e_phoff near 2^64', edited(u64(Elf64_Ehdr.e_phoff, 0xfffffffffffffff0n)), 'truncated', /program header table .* at 0xfffffffffffffff0/],
    ['e_phnum 1000', edited(u16(Elf64_Ehdr.e_phnum, 1000)), 'truncated', /program header table \(1000 entries/],
    ['no PT_LOAD', edited(u32(LOAD_PH + Elf64_Phdr.p_type, 6)), 'bad-segment', /no PT_LOAD segment/],
    ['PT_LOAD bytes past the end', edited(u64(LOAD_PH + Elf64_Phdr.p_offset, 0x2800n)), 'truncated', /PT_LOAD #0 \(0x1000 bytes at 0x2800\) runs past the end/],
    ['PT_LOAD offset near 2^64', edited(u64(LOAD_PH + Elf64_Phdr.p_offset, 0xfffffffffffff000n)), 'truncated', /PT_LOAD #0/],
    ['p_filesz > p_memsz', edited(u64(LOAD_PH + Elf64_Phdr.p_memsz, 0x800n)), 'bad-segment', /PT_LOAD #0 has p_filesz 0x1000 > p_memsz 0x800/],
    ['p_paddr beyond 52 bits', edited(u64(LOAD_PH + Elf64_Phdr.p_paddr, 1n << 60n)), 'bad-segment', /beyond the 52-bit physical address space/],
    ['p_memsz near 2^64', edited(u64(LOAD_PH + Elf64_Phdr.p_memsz, 0xffffffffffffffffn)), 'bad-segment', /PT_LOAD #0 spans/],
    ['PT_NOTE past the end', edited(u64(NOTE_PH + Elf64_Phdr.p_filesz, 0x1001n)), 'truncated', /PT_NOTE #1 \(0x1001 bytes at 0x2000\)/],
    ['PT_NOTE of 2^63 bytes', edited(u64(NOTE_PH + Elf64_Phdr.p_filesz, 1n << 63n)), 'bad-note', /PT_NOTE #1 is 0x8000000000000000 bytes/],
    ['n_namesz 0xffffffff', edited(u32(NOTES + Elf64_Nhdr.n_namesz, 0xffffffff)), 'bad-note', /PT_NOTE #1: the note at \+0x0 has n_namesz 0xffffffff.*past the end of the segment \(0x14 bytes\)/],
    // (0xfffffffd + 3) & ~3 is 0 in 32-bit arithmetic: a walker that pads that way reads the descriptor as the next note.
    ['n_descsz 0xfffffffd', edited(u32(NOTES + Elf64_Nhdr.n_descsz, 0xfffffffd)), 'bad-note', /n_descsz 0xfffffffd/],
    ['a descriptor past the segment', edited(u32(NOTES + Elf64_Nhdr.n_descsz, 9)), 'bad-note', /n_descsz 0x9, past the end/],
    ['a 2-byte PVH descriptor', pvhElf({ notes: edited(u32(Elf64_Nhdr.n_descsz, 2), elfNote('Xen', XEN_ELFNOTE_PHYS32_ENTRY, 1)) }), 'bad-note', /2-byte descriptor, not 4 or 8/],
  ];
  for (const [, bytes, kind, message] of cases) refuses(bytes, kind, message);

  const above4G = Buffer.concat([elfNote('Xen', XEN_ELFNOTE_PHYS32_ENTRY, 0).subarray(0, 16), Buffer.alloc(8)]);
  above4G.writeUInt32LE(8, Elf64_Nhdr.n_descsz);
  above4G.writeBigUInt64LE(0x100000000n, 16);
  refuses(pvhElf({ notes: above4G }), 'bad-note', /PVH entry point 0x100000000 does not fit in 32 bits/);
});

test('a folder or a device is refused before any read', () => {
  for (const path of [dir, '/dev/null']) {
    const fd = openSync(path, 'r');
    try {
      assert.throws(() => readVmlinuxLayout(fd), (e: VmlinuxError) => e.kind === 'not-elf' && /not a regular file/.test(e.message));
    } finally {
      closeSync(fd);
    }
  }
});

test('cut at every length, the file is read or refused with a VmlinuxError; never a crash or a read past its end', () => {
  const whole = pvhElf();
  const path = join(dir, 'cut');
  const fd = openSync(path, 'w+');
  try {
    for (let length = 0; length <= whole.length; length++) {
      const cut = whole.subarray(0, length);
      writeSync(fd, cut, 0, length, 0);
      ftruncateSync(fd, length);
      // Complete once the notes (one 20-byte note at NOTES, the last thing pvhElf writes) are there.
      const complete = length >= NOTES + 20;
      for (const reader of [() => parseVmlinux(cut), () => readVmlinuxLayout(fd)]) {
        try {
          assert.is(reader().pvhEntry, 0x1000000);
          assert.ok(complete, `read when cut at ${length}`);
        } catch (e) {
          assert.instance(e, VmlinuxError, `cut at ${length}: ${String(e)}`);
          assert.not.ok(complete, `refused when cut at ${length}: ${String(e)}`);
          // The fd reader only reads ranges already checked against fstat: never a short read.
          assert.not.match((e as VmlinuxError).message, /while being read/, `cut at ${length}`);
        }
      }
    }
  } finally {
    closeSync(fd);
  }
});

test('random corruption of the headers and notes: read within bounds or refused, never a crash', () => {
  let seed = 0x5eed;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  // The bytes a reader trusts: the ELF header, both program headers, the notes.
  const targets = [...Array(NOTE_PH + ELF64_SIZEOF.Elf64_Phdr).keys(), ...Array.from({ length: 20 }, (_, i) => NOTES + i)];
  const interesting = [0x00, 0x01, 0x03, 0x04, 0x08, 0x12, 0x38, 0x40, 0x7f, 0x80, 0xfe, 0xff];
  const base = pvhElf();
  const counts = { read: 0, refused: 0 };
  for (let round = 0; round < 20000; round++) {
    const b = Buffer.from(base);
    for (let flips = 1 + random(4); flips > 0; flips--) b[targets[random(targets.length)]!] = interesting[random(interesting.length)]!;
    try {
      const layout = parseVmlinux(b);
      for (const l of layout.loads) {
        assert.ok(l.offset + l.filesz <= b.length && l.filesz <= l.memsz && l.paddr + l.memsz <= 2 ** 52, `round ${round}`);
      }
      counts.read++;
    } catch (e) {
      assert.instance(e, VmlinuxError, `round ${round}: ${String(e)}`);
      counts.refused++;
    }
  }
  assert.ok(counts.read > 1000 && counts.refused > 1000, JSON.stringify(counts));
});

test('a real vmlinux from the kernel cache reads as readelf reads it', () => {
  const found = existsSync(kernelsDir())
    ? readdirSync(kernelsDir()).map((k) => join(kernelsDir(), k, 'vmlinux')).find((p) => existsSync(p))
    : undefined;
  if (!found) {
    console.log(`  no vmlinux under ${kernelsDir()}: the real-kernel comparison is skipped (the generated files above carry the assertions)`);
    return;
  }
  console.log(`  reading ${found}`);
  const fd = openSync(found, 'r');
  let layout: VmlinuxLayout;
  try {
    layout = readVmlinuxLayout(fd);
  } finally {
    closeSync(fd);
  }
  assert.ok(layout.loads.length >= 2);
  assert.ok(layout.pvhEntry !== undefined && layout.pvhEntry < 2 ** 32);
  assert.equal(withoutIndex(layout), readelf(found));
});

test.run();
