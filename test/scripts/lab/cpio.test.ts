import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpioNewc } from '../../../scripts/lab/cpio.js';

const archive = cpioNewc([
  { type: 'dir', path: 'bin' },
  { type: 'file', path: 'bin/hello', data: Buffer.from('hi there\n'), mode: 0o755 },
  { type: 'symlink', path: 'bin/sh', target: 'hello' },
  { type: 'dir', path: 'dev' },
  { type: 'chardev', path: 'dev/console', major: 5, minor: 1 },
]);

test('GNU cpio lists every entry with its type, mode and device numbers', () => {
  const listing = execFileSync('cpio', ['-itv', '--quiet'], { input: archive }).toString().trim().split('\n');
  const row = (name: string): string => listing.find((l) => l.endsWith(` ${name}`) || l.includes(` ${name} -> `)) ?? '';
  assert.is(listing.length, 5);
  assert.match(row('bin'), /^drwxr-xr-x/);
  assert.match(row('bin/hello'), /^-rwxr-xr-x .* 9 /);
  assert.match(row('bin/sh'), /^lrwxrwxrwx .* bin\/sh -> hello$/);
  assert.match(row('dev/console'), /^crw------- .* 5,\s+1 /);
});

test('GNU cpio reads file contents back', () => {
  const out = execFileSync('cpio', ['-i', '--quiet', '--to-stdout', 'bin/hello'], { input: archive }).toString();
  assert.is(out, 'hi there\n');
});

test('the archive is 4-byte aligned and ends with the trailer', () => {
  assert.is(archive.length % 4, 0);
  assert.ok(archive.includes(Buffer.from('TRAILER!!!\0')));
});

test.run();
