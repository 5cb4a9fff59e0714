import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LoaderError, readVmlinux } from '../../../runtime/loader/elf.js';

/** A minimal x86-64 ET_EXEC: two PT_LOADs and a PT_NOTE with Xen's PHYS32_ENTRY. */
function tinyVmlinux(): Uint8Array {
  const b = new Uint8Array(0x3000);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 62, true); // EM_X86_64
  v.setBigUint64(32, 64n, true); // e_phoff
  v.setUint16(54, 56, true); // e_phentsize
  v.setUint16(56, 3, true); // e_phnum
  const ph = (i: number, type: number, off: number, paddr: number, filesz: number, memsz: number) => {
    const at = 64 + i * 56;
    v.setUint32(at, type, true);
    v.setBigUint64(at + 8, BigInt(off), true);
    v.setBigUint64(at + 24, BigInt(paddr), true);
    v.setBigUint64(at + 32, BigInt(filesz), true);
    v.setBigUint64(at + 40, BigInt(memsz), true);
  };
  ph(0, 1, 0x2000, 0x1002000, 0x800, 0x3000);
  ph(1, 1, 0x1000, 0x1000000, 0x1000, 0x1000);
  ph(2, 4, 0x400, 0, 28, 28);
  // Note: namesz 4 ("Xen\0"), descsz 8, type 18, then the entry point.
  v.setUint32(0x400, 4, true);
  v.setUint32(0x404, 8, true);
  v.setUint32(0x408, 18, true);
  b.set([0x58, 0x65, 0x6e, 0], 0x40c);
  v.setBigUint64(0x410, 0x1000600n, true);
  return b;
}

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

test.run();
