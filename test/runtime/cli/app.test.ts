// cc-run's answers to bad input in app mode, which come before any VM is built (no /dev/kvm
// needed): images made with mke2fs -d, the CLI run as users run it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const CC_RUN = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../bin/cc-run.js');
const dir = mkdtempSync(join(tmpdir(), 'cc-run-app-cli-'));

function ext4(name: string, files: Record<string, string>): string {
  const tree = join(dir, `${name}.d`);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(tree, p)), { recursive: true });
    writeFileSync(join(tree, p), text);
  }
  mkdirSync(tree, { recursive: true });
  const path = join(dir, `${name}.ext4`);
  const r = spawnSync('mke2fs', ['-q', '-F', '-t', 'ext4', '-d', tree, path, '8M']);
  assert.is(r.status, 0, r.stderr?.toString());
  return path;
}

const runConfig = JSON.stringify({
  schema: 'cc.image.v1', entrypoint: ['/bin/app'], cmd: [], env: ['PATH=/bin'], workingDir: '/',
  user: { uid: 0, gid: 0 }, exposedPorts: [], labels: {}, source: { ref: 'x', digest: 'sha256:0' },
});
const app = ext4('app', { '.cc/image.json': runConfig, 'etc/passwd': 'root:x:0:0::/root:/bin/sh\n', 'etc/group': 'root:x:0:\n' });
const plain = ext4('plain', { 'sbin/init': '#!/bin/sh\n' });
const guest = ext4('guest', { 'usr/lib/cc/app-init': '#!/bin/bash\n' });
const kernel = join(dir, 'vmlinux');
writeFileSync(kernel, 'not used: the run stops before the kernel is read');

function ccRun(...args: string[]) {
  const r = spawnSync('node', [CC_RUN, ...args], { encoding: 'utf8', env: { ...process.env, CC_GUEST: '' }, cwd: dir });
  return { status: r.status, stderr: r.stderr };
}

test('a plain rootfs with a command after -- (or an app-only flag) says how to boot it as an OS image', () => {
  const a = ccRun(plain, '--', 'echo', 'hi');
  assert.is(a.status, 1);
  assert.match(a.stderr, /not an app image \(no \/\.cc\/image\.json\), so a command after -- does not apply/);
  assert.match(a.stderr, /boots as an OS image: cc-run IMAGE \[--kernel VMLINUX\]/);
  const b = ccRun(plain, '-e', 'A=1');
  assert.match(b.stderr, /so --env does not apply/);
});

test('no guest OS image: exit 125, says how to build one', () => {
  const r = ccRun(app);
  assert.is(r.status, 125);
  assert.match(r.stderr, /no guest OS image to run the app on/);
  assert.match(r.stderr, /cc-build recipes\/guest\.yaml/);
  const given = ccRun(app, '--guest', join(dir, 'missing.ext4'));
  assert.is(given.status, 125);
  assert.match(given.stderr, /missing\.ext4: no such guest OS image/);
});

test('a user or group the image lacks: exit 125 naming it, before any VM starts', () => {
  const r = ccRun(app, '--guest', guest, '--kernel', kernel, '-u', 'ghost');
  assert.is(r.status, 125);
  assert.match(r.stderr, /-u ghost: no user "ghost" in the image's \/etc\/passwd/);
  const g = ccRun(app, '--guest', guest, '--kernel', kernel, '-u', 'root:wheel');
  assert.is(g.status, 125);
  assert.match(g.stderr, /no group "wheel"/);
});

test('a relative -w, a bad --name, a missing --env-file: an error each', () => {
  assert.match(ccRun(app, '--guest', guest, '--kernel', kernel, '-w', 'rel').stderr, /-w rel: the working directory must be an absolute path/);
  assert.match(ccRun(app, '--guest', guest, '--kernel', kernel, '--name', 'a b').stderr, /--name a b/);
  // Node 20 itself scans every argument for --env-file and stops first (exit 9) when the file is missing.
  const e = ccRun(app, '--guest', guest, '--kernel', kernel, '--env-file', 'nope.env');
  assert.ok(e.status === 125 || e.status === 9, String(e.status));
  assert.match(e.stderr, /nope\.env: (no such file|not found)/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
