// The host-side ext4 reader against images made by the reference tool (mke2fs -d), with and
// without the 64bit feature, and against an image made by cc-build convert.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Ext4ReadError, Ext4Reader } from '../../../runtime/app/ext4-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'cc-ext4-reader-'));
const tree = join(dir, 'tree');
const big = Buffer.alloc(5 * 1024 * 1024 + 123);
for (let i = 0; i < big.length; i += 64) createHash('sha256').update(String(i)).digest().copy(big, i);
const longTarget = `/deep/${'d'.repeat(40)}/${'e'.repeat(40)}/file`;

function populate(): void {
  mkdirSync(join(tree, '.cc'), { recursive: true });
  mkdirSync(join(tree, 'etc'));
  mkdirSync(join(tree, `deep/${'d'.repeat(40)}/${'e'.repeat(40)}`), { recursive: true });
  mkdirSync(join(tree, 'many'));
  writeFileSync(join(tree, '.cc/image.json'), '{"schema":"cc.image.v1"}\n');
  writeFileSync(join(tree, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(tree, 'empty'), '');
  writeFileSync(join(tree, 'big.bin'), big);
  writeFileSync(join(tree, longTarget.slice(1)), 'at the end of a long path\n');
  // Enough entries for an indexed (htree) directory.
  for (let i = 0; i < 600; i++) writeFileSync(join(tree, 'many', `entry-number-${i}`), `${i}\n`);
  symlinkSync('passwd', join(tree, 'etc/relative-link'));
  symlinkSync('/etc/passwd', join(tree, 'absolute-link'));
  symlinkSync('../etc', join(tree, 'deep/up'));
  symlinkSync(longTarget, join(tree, 'slow-link'));
  symlinkSync('loop-b', join(tree, 'loop-a'));
  symlinkSync('loop-a', join(tree, 'loop-b'));
}
populate();

function image(name: string, features: string[]): string {
  const path = join(dir, name);
  execFileSync('mke2fs', ['-q', '-F', '-t', 'ext4', ...features, '-d', tree, path, '64M']);
  return path;
}

for (const [name, features] of [['64bit', ['-O', '64bit']], ['no-64bit', ['-O', '^64bit']], ['1k-blocks', ['-b', '1024']]] as const) {
  test(`mke2fs -d (${name}): small, empty, multi-extent files and htree directories read back exactly`, () => {
    const r = Ext4Reader.open(image(`${name}.ext4`, [...features]));
    try {
      assert.is(r.readFile('/.cc/image.json').toString(), '{"schema":"cc.image.v1"}\n');
      assert.is(r.readFile('/etc/passwd').toString(), 'root:x:0:0:root:/root:/bin/sh\n');
      assert.is(r.readFile('/empty').length, 0);
      assert.ok(r.readFile('/big.bin').equals(big), 'big.bin differs');
      assert.is(r.readFile('/many/entry-number-599').toString(), '599\n');
      assert.is(r.readFile('/many/entry-number-0').toString(), '0\n');
    } finally {
      r.close();
    }
  });
}

test('symbolic links: relative, absolute (from the image root), .., slow (long) targets; loops stop', () => {
  const r = Ext4Reader.open(image('links.ext4', []));
  try {
    const passwd = 'root:x:0:0:root:/root:/bin/sh\n';
    assert.is(r.readFile('/etc/relative-link').toString(), passwd);
    assert.is(r.readFile('/absolute-link').toString(), passwd);
    assert.is(r.readFile('/deep/up/passwd').toString(), passwd);
    assert.is(r.readFile('/slow-link').toString(), 'at the end of a long path\n');
    assert.throws(() => r.readFile('/loop-a'), (e: unknown) => e instanceof Ext4ReadError && e.kind === 'corrupt');
  } finally {
    r.close();
  }
});

test('missing paths, directories and non-ext4 files give typed errors', () => {
  const path = image('errors.ext4', []);
  const r = Ext4Reader.open(path);
  try {
    assert.is(r.readFileIfExists('/no/such/file'), undefined);
    assert.throws(() => r.readFile('/etc/nope'), (e: unknown) => e instanceof Ext4ReadError && e.kind === 'not-found' && /\/etc\/nope/.test((e as Error).message));
    assert.throws(() => r.readFile('/etc'), (e: unknown) => e instanceof Ext4ReadError && e.kind === 'not-a-file');
    assert.throws(() => r.readFile('/etc/passwd/x'), (e: unknown) => e instanceof Ext4ReadError && e.kind === 'not-found');
  } finally {
    r.close();
  }
  writeFileSync(join(dir, 'plain.bin'), Buffer.alloc(4096));
  assert.throws(() => Ext4Reader.open(join(dir, 'plain.bin')), (e: unknown) => e instanceof Ext4ReadError && e.kind === 'not-ext4');
});

test('an image from cc-build convert (hashed directories from our own writer) reads back', () => {
  const tar = join(dir, 'tree.tar');
  execFileSync('tar', ['-C', tree, '-cf', tar, '.']);
  const out = join(dir, 'converted.ext4');
  execFileSync('node', [join(dirname(fileURLToPath(import.meta.url)), '../../../../bin/cc-build.js'), 'convert', `tar:${tar}`, '-o', out], { stdio: 'ignore' });
  const r = Ext4Reader.open(out);
  try {
    for (const i of [0, 299, 599]) assert.is(r.readFile(`/many/entry-number-${i}`).toString(), `${i}\n`);
    assert.ok(r.readFile('/big.bin').equals(big));
    assert.is(r.readFile('/absolute-link').toString(), 'root:x:0:0:root:/root:/bin/sh\n');
  } finally {
    r.close();
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
