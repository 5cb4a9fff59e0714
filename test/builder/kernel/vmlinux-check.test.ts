// The vmlinux check on a real kernel (the cached tuned build, else the lab's reference build) and
// on small ELF files made here, each broken in one way.
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { $ } from 'zx';
import { kernelsDir } from '../../../builder/kernel/cache.js';
import { KernelError } from '../../../builder/kernel/error.js';
import { checkVmlinux, EM_X86_64, PT_LOAD, PT_NOTE, XEN_ELFNOTE_PHYS32_ENTRY } from '../../../builder/kernel/vmlinux-check.js';

/** An ELF64 x86-64 file: header, one PT_LOAD, one PT_NOTE holding `notes`, page-aligned payload. */
function makeElf(opts: { loadOffset?: number; loadPaddr?: number; notes?: Buffer; machine?: number }): Buffer {
  const notes = opts.notes ?? note('Xen', XEN_ELFNOTE_PHYS32_ENTRY, 0x1000000);
  const file = Buffer.alloc(0x3000);
  file.writeUInt32BE(0x7f454c46, 0);
  file[4] = 2; // ELFCLASS64
  file[5] = 1; // ELFDATA2LSB
  file[6] = 1;
  file.writeUInt16LE(2, 16); // ET_EXEC
  file.writeUInt16LE(opts.machine ?? EM_X86_64, 18);
  file.writeBigUInt64LE(64n, 32); // e_phoff
  file.writeUInt16LE(56, 54); // e_phentsize
  file.writeUInt16LE(2, 56); // e_phnum
  const phdr = (i: number, type: number, offset: number, paddr: number, size: number): void => {
    const p = 64 + i * 56;
    file.writeUInt32LE(type, p);
    file.writeBigUInt64LE(BigInt(offset), p + 8);
    file.writeBigUInt64LE(BigInt(paddr) + 0xffffffff80000000n, p + 16);
    file.writeBigUInt64LE(BigInt(paddr), p + 24);
    file.writeBigUInt64LE(BigInt(size), p + 32);
    file.writeBigUInt64LE(BigInt(size), p + 40);
  };
  phdr(0, PT_LOAD, opts.loadOffset ?? 0x1000, opts.loadPaddr ?? 0x1000000, 0x1000);
  phdr(1, PT_NOTE, 0x2000, 0x1001000, notes.length);
  notes.copy(file, 0x2000);
  return file;
}

function note(name: string, type: number, value: number): Buffer {
  const nameBuf = Buffer.alloc((name.length + 1 + 3) & ~3);
  nameBuf.write(name);
  const header = Buffer.alloc(12);
  header.writeUInt32LE(name.length + 1, 0);
  header.writeUInt32LE(4, 4);
  header.writeUInt32LE(type, 8);
  const desc = Buffer.alloc(4);
  desc.writeUInt32LE(value);
  return Buffer.concat([header, nameBuf, desc]);
}

async function fileWith(bytes: Buffer): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'cc-elf-')), 'vmlinux');
  await writeFile(path, bytes);
  return path;
}

async function fails(bytes: Buffer, message: RegExp): Promise<void> {
  const path = await fileWith(bytes);
  try {
    await checkVmlinux(path);
  } catch (error) {
    assert.instance(error, KernelError);
    assert.is((error as KernelError).kind, 'vmlinux-invalid');
    assert.match((error as KernelError).message, message);
    assert.ok((error as KernelError).message.startsWith(path));
    return;
  }
  assert.unreachable('the check passed a broken vmlinux');
}

test('a well-formed ELF passes and yields the PVH entry', async () => {
  const notes = Buffer.concat([note('GNU', 3, 0), note('Linux', 6, 0), note('Xen', XEN_ELFNOTE_PHYS32_ENTRY, 0x1234560)]);
  const layout = await checkVmlinux(await fileWith(makeElf({ notes })));
  assert.is(layout.pvhEntry, 0x1234560);
  assert.equal(layout.loads.map((l) => [l.offset, l.paddr]), [[0x1000, 0x1000000]]);
});

test('no PVH note, misaligned PT_LOAD, wrong machine, not ELF: each fails naming the fault', async () => {
  await fails(makeElf({ notes: note('Xen', 7, 1) }), /no PVH entry note/);
  await fails(makeElf({ loadOffset: 0x1200 }), /PT_LOAD #0 has p_offset 0x1200/);
  await fails(makeElf({ loadPaddr: 0x1000010 }), /p_paddr 0x1000010/);
  await fails(makeElf({ machine: 3 }), /not x86-64/);
  await fails(Buffer.from('#!/bin/sh\n'), /not an ELF file|truncated/);
});

test('a real vmlinux: the PVH note is there and every PT_LOAD is page-aligned', async () => {
  const cached = existsSync(kernelsDir())
    ? readdirSync(kernelsDir()).map((k) => join(kernelsDir(), k, 'vmlinux')).find((p) => existsSync(p))
    : undefined;
  const path = cached ?? ['/var/tmp/kbuild/ref/vmlinux'].find((p) => existsSync(p));
  if (!path) {
    console.log('  no cached vmlinux and no /var/tmp/kbuild/ref/vmlinux: checking a PVH ELF linked here with as/ld instead');
    const layout = await checkVmlinux(await linkPvhElf());
    assert.is(layout.pvhEntry, 0x1000000);
    return;
  }
  console.log(`  checking ${path}`);
  const layout = await checkVmlinux(path);
  assert.ok(layout.pvhEntry > 0 && layout.pvhEntry < 2 ** 32);
  assert.ok(layout.loads.length >= 2);
});

/** A tiny kernel-shaped ELF made by the system's binutils: a PVH note pointing at _start. */
async function linkPvhElf(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cc-pvh-'));
  const asm = ['.text', '.globl _start', '_start: hlt', '.section .note.Xen, "a", @note', '.balign 4', `.long 4, 4, ${XEN_ELFNOTE_PHYS32_ENTRY}`, '.asciz "Xen"', '.balign 4', '.long _start', ''];
  await writeFile(join(dir, 'pvh.S'), asm.join('\n'));
  await $`as --64 -o ${join(dir, 'pvh.o')} ${join(dir, 'pvh.S')}`.quiet();
  await $`ld -m elf_x86_64 -z max-page-size=0x1000 -Ttext=0x1000000 -o ${join(dir, 'pvh.elf')} ${join(dir, 'pvh.o')}`.quiet();
  return join(dir, 'pvh.elf');
}

test.run();
