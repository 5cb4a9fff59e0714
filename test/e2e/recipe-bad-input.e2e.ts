// Bad input that needs mmdebstrap and the network to show: a package the suite does not have.
// One line, exit 1, no output, the cache unchanged.
import { spawnSync } from 'node:child_process';
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

test.run();
