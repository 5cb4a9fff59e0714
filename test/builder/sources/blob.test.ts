import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chain, parseDigest, readVerified, VerifyStream } from '../../../builder/sources/blob.js';
import { SourceError } from '../../../builder/sources/errors.js';

const data = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(1000));
const sha = (alg: string, b: Buffer) => createHash(alg).update(b).digest('hex');
const chunks = (b: Buffer) => Readable.from([b.subarray(0, 7), b.subarray(7, 20000), b.subarray(20000)]);

async function failure(p: Promise<unknown>): Promise<SourceError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, SourceError);
    return err as SourceError;
  }
  assert.unreachable('expected a failure');
  throw new Error();
}

test('parseDigest accepts sha256 and sha512, refuses others naming the field', () => {
  assert.equal(parseDigest(`sha256:${sha('sha256', data)}`, 'x').algorithm, 'sha256');
  assert.equal(parseDigest(`sha512:${sha('sha512', data)}`, 'x').algorithm, 'sha512');
  for (const bad of ['md5:abcd', `sha256:${'a'.repeat(63)}`, `sha256:${'A'.repeat(64)}`, 42, undefined]) {
    let err: unknown;
    try { parseDigest(bad, 'manifest.layers[1].digest'); } catch (e) { err = e; }
    assert.instance(err, SourceError);
    assert.equal((err as SourceError).kind, 'bad-digest');
    assert.match((err as Error).message, 'manifest.layers[1].digest');
  }
});

test('a blob with the right digest and size streams through unchanged (sha256, sha512)', async () => {
  for (const alg of ['sha256', 'sha512'] as const) {
    const out = await readVerified(chunks(data), 'blob', { digest: parseDigest(`${alg}:${sha(alg, data)}`, 'd'), size: data.length });
    assert.ok(out.equals(data));
  }
});

test('a wrong digest fails naming the blob and both digests', async () => {
  const wrong = Buffer.from(data);
  wrong[5000] ^= 1;
  const err = await failure(readVerified(chunks(wrong), 'layout: blob sha256:abc', { digest: parseDigest(`sha256:${sha('sha256', data)}`, 'd'), size: data.length }));
  assert.equal(err.kind, 'digest-mismatch');
  assert.match(err.message, 'layout: blob sha256:abc');
  assert.match(err.message, sha('sha256', data));
  assert.match(err.message, sha('sha256', wrong));
});

test('too short and too long blobs fail with size-mismatch; too long fails before the end', async () => {
  const digest = parseDigest(`sha256:${sha('sha256', data)}`, 'd');
  assert.equal((await failure(readVerified(chunks(data.subarray(1)), 'b', { digest, size: data.length }))).kind, 'size-mismatch');
  let passed = 0;
  const v = chain([Readable.from([data, data, data]), new VerifyStream('b', { digest, size: data.length })]);
  const err = await failure((async () => { for await (const c of v) passed += (c as Buffer).length; })());
  assert.equal(err.kind, 'size-mismatch');
  assert.ok(passed <= data.length, 'stopped at the overrun');
});

test('chain: an error in an early stage fails the last one', async () => {
  const src = new Readable({ read() { this.destroy(new Error('disk on fire')); } });
  const last = chain([src, new VerifyStream('b', {})]);
  try {
    for await (const _ of last) { /* drain */ }
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, 'disk on fire');
  }
});

test.run();
