// Bad input that needs mmdebstrap and the network to show: a package the suite does not have.
// One line, exit 1, no output, the cache unchanged. And a build stopped while mmdebstrap runs.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pvhElf } from '../helpers/pvh-elf.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

test('a package that does not exist', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-badpkg-'));
  fs.writeFileSync(path.join(dir, 'vmlinux'), pvhElf());
  fs.writeFileSync(path.join(dir, 'bad.yaml'), 'base:\n  debian:\n    packages: [systemd-sysv, no-such-package-cc]\nkernel:\n  vmlinux: vmlinux\n');
  const cache = path.join(dir, 'cache');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/cc-build.js'), path.join(dir, 'bad.yaml'), '-o', path.join(dir, 'out')], { encoding: 'utf8', env: { ...process.env, CC_CACHE_DIR: cache } });
  assert.is(r.status, 1);
  // Without a terminal, listr2's log lines come first; the error is the last line, once.
  const last = r.stderr.trim().split('\n').pop()!;
  assert.match(last, /^cc-build: bookworm has no package no-such-package-cc \(check base\.debian\.packages/, r.stderr);
  assert.equal(fs.readdirSync(path.join(dir, 'out')), []);
  assert.equal(fs.existsSync(cache) ? fs.readdirSync(cache, { recursive: true }).filter((f) => String(f).endsWith('.tar')) : [], []);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('SIGTERM while mmdebstrap runs: "interrupted", exit 130, no output, no cache entry', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-int-'));
  fs.writeFileSync(path.join(dir, 'vmlinux'), pvhElf());
  fs.writeFileSync(path.join(dir, 'int.yaml'), 'base:\n  debian:\n    packages: [systemd-sysv]\nkernel:\n  vmlinux: vmlinux\n');
  const cache = path.join(dir, 'cache');
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/cc-build.js'), path.join(dir, 'int.yaml'), '-o', path.join(dir, 'out'), '--json'], { env: { ...process.env, CC_CACHE_DIR: cache } });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  // mmdebstrap has started once its temp file is in the cache.
  for (let i = 0; i < 600 && !(fs.existsSync(path.join(cache, 'debian')) && fs.readdirSync(path.join(cache, 'debian')).some((f) => f.includes('.tmp-'))); i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 3000));
  child.kill('SIGTERM');
  assert.is(await exited, 130, stderr);
  assert.is(stderr.trim(), 'cc-build: interrupted');
  assert.equal(fs.readdirSync(path.join(dir, 'out')), []);
  assert.equal(fs.readdirSync(path.join(cache, 'debian')), [], 'no temp file left in the cache');
  fs.rmSync(dir, { recursive: true, force: true });
});

test.run();
