import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { autoDecompress, decompress, sniffCompression } from '../../../builder/sources/decompress.js';
import { SourceError } from '../../../builder/sources/source-error.js';

const plain = Buffer.from(Array.from({ length: 20000 }, (_, i) => `line ${i} ${i * 7919 % 1000}\n`).join(''));
const tool = (cmd: string, args: string[]) => execFileSync(cmd, args, { input: plain, maxBuffer: 1 << 28 });
const compressed = {
  gzip: gzipSync(plain),
  zstd: tool('zstd', ['-q', '-c', '-19']),
  bzip2: tool('bzip2', ['-c']),
  xz: tool('xz', ['-c']),
} as const;

async function drain(s: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of s) out.push(c as Buffer);
  return Buffer.concat(out);
}
const pieces = (b: Buffer) => Readable.from(Array.from({ length: Math.ceil(b.length / 1000) }, (_, i) => b.subarray(i * 1000, i * 1000 + 1000)));

test('sniffs gzip, zstd, bzip2, xz and plain data', () => {
  for (const [kind, data] of Object.entries(compressed)) assert.is(sniffCompression(data), kind);
  assert.is(sniffCompression(plain), 'none');
});

test('each format decompresses (real tools made the input), fed in small pieces', async () => {
  for (const [kind, data] of Object.entries(compressed)) {
    const out = await drain(decompress(pieces(data), kind as keyof typeof compressed, kind));
    assert.ok(out.equals(plain), kind);
    assert.ok((await drain(await autoDecompress(pieces(data), kind))).equals(plain), `auto ${kind}`);
  }
});

test('corrupt data fails naming the blob', async () => {
  for (const [kind, data] of Object.entries(compressed)) {
    const bad = Buffer.from(data);
    bad.fill(0x55, 20, 60);
    try {
      await drain(decompress(pieces(bad), kind as keyof typeof compressed, `blob-${kind}`));
      assert.unreachable(kind);
    } catch (err) {
      assert.instance(err, SourceError, kind);
      assert.match((err as Error).message, `blob-${kind}`);
    }
  }
});

test.run();
