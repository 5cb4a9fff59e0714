// The vmlinux check on a real kernel (the cached tuned build, else the lab's reference build) and
// on small ELF files made here, each broken in one way.
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { $ } from 'zx';
import { kernelsDir } from '../../../builder/kernel/cache.js';
import { KernelError } from '../../../builder/kernel/error.js';
import { VmlinuxError, XEN_ELFNOTE_PHYS32_ENTRY } from '../../../manifest/vmlinux.js';
import { checkVmlinux } from '../../../builder/kernel/vmlinux-check.js';
import { elfNote, pvhElf } from '../../helpers/pvh-elf.js';
import { rejection } from '../../helpers/rejection.js';
import { scratchDir } from '../../helpers/scratch.js';

async function fileWith(bytes: Buffer): Promise<string> {
  const path = join(scratchDir('elf'), 'vmlinux');
  await writeFile(path, bytes);
  return path;
}

async function fails(bytes: Buffer, message: RegExp): Promise<KernelError> {
  const path = await fileWith(bytes);
  const error = await rejection(checkVmlinux(path), KernelError);
  assert.is(error.kind, 'vmlinux-invalid');
  assert.match(error.message, message);
  assert.ok(error.message.startsWith(path));
  return error;
}

test('a well-formed ELF passes and yields the PVH entry', async () => {
  const notes = Buffer.concat([elfNote('GNU', 3, 0), elfNote('Linux', 6, 0), elfNote('Xen', XEN_ELFNOTE_PHYS32_ENTRY, 0x1234560)]);
  const layout = await checkVmlinux(await fileWith(pvhElf({ notes })));
  assert.is(layout.pvhEntry, 0x1234560);
  assert.equal(layout.loads.map((l) => [l.offset, l.paddr]), [[0x1000, 0x1000000]]);
});

test('no PVH note, misaligned PT_LOAD, wrong machine, not ELF: each fails naming the fault', async () => {
  await fails(pvhElf({ notes: elfNote('Xen', 7, 1) }), /no PVH entry note/);
  await fails(pvhElf({ loadOffset: 0x1200 }), /PT_LOAD #0 has p_offset 0x1200/);
  await fails(pvhElf({ loadPaddr: 0x1000010 }), /p_paddr 0x1000010/);
  await fails(pvhElf({ machine: 3 }), /not x86-64/);
  await fails(Buffer.from('#!/bin/sh\n'), /not an ELF file/);
});

test('a file the shared reader refuses: the reader\'s error is the cause, its hint passed on', async () => {
  const cut = await fails(pvhElf().subarray(0, 0x1800), /truncated: PT_LOAD #0 .* past the end of the file/);
  assert.instance(cut.cause, VmlinuxError);
  const bz = Buffer.alloc(0x400);
  bz.write('HdrS', 0x202, 'latin1');
  const error = await fails(bz, /compressed bzImage/);
  assert.match(error.hint ?? '', /extract-vmlinux/);
  assert.is((error.cause as VmlinuxError).kind, 'bzimage');
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
  const dir = scratchDir('pvh');
  const asm = ['.text', '.globl _start', '_start: hlt', '.section .note.Xen, "a", @note', '.balign 4', `.long 4, 4, ${XEN_ELFNOTE_PHYS32_ENTRY}`, '.asciz "Xen"', '.balign 4', '.long _start', ''];
  await writeFile(join(dir, 'pvh.S'), asm.join('\n'));
  await $`as --64 -o ${join(dir, 'pvh.o')} ${join(dir, 'pvh.S')}`.quiet();
  await $`ld -m elf_x86_64 -z max-page-size=0x1000 -Ttext=0x1000000 -o ${join(dir, 'pvh.elf')} ${join(dir, 'pvh.o')}`.quiet();
  return join(dir, 'pvh.elf');
}

test.run();
