import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MmapMemory } from '../../../runtime/memory/mmap-memory.js';
import type { MemoryError } from '../../../runtime/memory/guest-memory.js';

test('a file mapped privately: guest writes stay private, the tail past EOF reads zero', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cc-mem-'));
  const path = join(dir, 'image');
  const content = new Uint8Array(5000).map((_, i) => i & 0xff);
  writeFileSync(path, content);
  const fd = openSync(path, 'r');
  const mem = new MmapMemory();
  try {
    const host = mem.mapFile(fd, 0, content.length, 4 * 4096);
    mem.addRegion({ kind: 'pmem', gpa: 0x10000, size: 4 * 4096, host, label: path });
    const ram = mem.allocateAnonymous(0x10000);
    mem.addRegion({ kind: 'ram', gpa: 0, size: 0x10000, host: ram, label: 'RAM' });
    const got = new Uint8Array(8);
    mem.read(0x10000 + 4096, got);
    assert.equal([...got], [...content.subarray(4096, 4104)]);
    mem.write(0x10000, new Uint8Array([9, 9, 9]));
    mem.read(0x10000, got);
    assert.equal([...got.subarray(0, 4)], [9, 9, 9, 3]);
    const tail = new Uint8Array(16);
    mem.read(0x10000 + 3 * 4096, tail);
    assert.ok(tail.every((b) => b === 0));
    // A write that crosses from RAM into the image.
    mem.write(0xfffe, new Uint8Array([1, 2, 3, 4]));
    mem.read(0xfffe, got.subarray(0, 4));
    assert.equal([...got.subarray(0, 4)], [1, 2, 3, 4]);
    assert.throws(() => mem.read(0x20000, got), (e: MemoryError) => e.kind === 'invalid-address');
    assert.throws(() => mem.addRegion({ kind: 'ram', gpa: 0x8000, size: 0x1000, host: ram, label: 'x' }), (e: MemoryError) => e.kind === 'overlap');
    assert.equal(new Uint8Array(readFileSync(path)), content);
  } finally {
    mem.close();
    closeSync(fd);
    rmSync(dir, { recursive: true });
  }
});

test.run();
