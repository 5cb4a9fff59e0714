import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LoaderError, readVmlinux } from '../../../runtime/loader/elf.js';
import { VmlinuxError } from '../../../manifest/vmlinux.js';
import { tinyVmlinux } from '../../fixtures/tiny-vmlinux.js';

function withFile(bytes: Uint8Array, f: (fd: number, path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'cc-elf-'));
  const path = join(dir, 'vmlinux');
  writeFileSync(path, bytes);
  const fd = openSync(path, 'r');
  try {
    f(fd, path);
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true });
  }
}

test('segments sorted by physical address, kernel extent, PVH entry from the Xen note', () => {
  withFile(tinyVmlinux(), (fd, path) => {
    const k = readVmlinux(fd, path);
    assert.equal(k.segments.map((s) => [s.index, s.paddr, s.offset, s.filesz, s.memsz]), [
      [1, 0x1000000, 0x1000, 0x1000, 0x1000],
      [0, 0x1002000, 0x2000, 0x800, 0x3000],
    ]);
    assert.is(k.kernelStart, 0x1000000);
    assert.is(k.kernelEnd, 0x1005000);
    assert.is(k.pvhEntry, 0x1000600);
  });
});

test('a bzImage gets the extract-vmlinux hint; other files are not ELF', () => {
  const bz = new Uint8Array(0x400);
  bz.set([0x4d, 0x5a]);
  bz.set([0x48, 0x64, 0x72, 0x53], 0x202);
  withFile(bz, (fd, path) => {
    assert.throws(() => readVmlinux(fd, path), (e: LoaderError) => e.kind === 'bzimage' && /extract-vmlinux/.test(e.hint ?? ''));
  });
  withFile(new TextEncoder().encode('hello'), (fd, path) => {
    assert.throws(() => readVmlinux(fd, path), (e: LoaderError) => e.kind === 'not-elf');
  });
});

test('no PVH note: says which option builds one', () => {
  const b = tinyVmlinux();
  new DataView(b.buffer).setUint32(0x408, 17, true);
  withFile(b, (fd, path) => {
    assert.throws(() => readVmlinux(fd, path), (e: LoaderError) => e.kind === 'no-pvh-entry' && /CONFIG_PVH/.test(e.hint ?? ''));
  });
});

test('the shared reader\'s refusals keep the loader\'s kinds, name the file and carry the cause', () => {
  const b = tinyVmlinux();
  const v = new DataView(b.buffer);
  v.setUint16(18, 183, true); // e_machine: AArch64
  withFile(b, (fd, path) => {
    assert.throws(() => readVmlinux(fd, path), (e: LoaderError) => e.kind === 'wrong-arch'
      && e.message.startsWith(`${path}: e_machine 183`) && e.cause instanceof VmlinuxError && e.cause.kind === 'wrong-machine');
  });
  withFile(tinyVmlinux().subarray(0, 0x1800), (fd, path) => {
    assert.throws(() => readVmlinux(fd, path), (e: LoaderError) => e.kind === 'too-small' && /PT_LOAD #0 .* past the end of the file/.test(e.message));
  });
  const notes = tinyVmlinux();
  new DataView(notes.buffer).setUint32(0x404, 0xfffffffd, true); // n_descsz
  withFile(notes, (fd, path) => {
    assert.throws(() => readVmlinux(fd, path), (e: LoaderError) => e.kind === 'malformed' && /n_descsz 0xfffffffd/.test(e.message));
  });
});

test.run();
