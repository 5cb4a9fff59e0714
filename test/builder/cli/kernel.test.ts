// cc-build kernel on bad input: one clear message (and hint), exit status 1, no output file written.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const BIN = fileURLToPath(new URL('../../../../bin/cc-build.js', import.meta.url));

function ccBuild(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [BIN, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cc-kernel-cli-'));
});

test('an unknown fragment: the names, the fragments that exist, exit 1', async () => {
  const out = join(dir, 'a.vmlinux');
  const r = await ccBuild(['kernel', '--fragments', 'base,nosuch', '-o', out, '--json']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /cc-build kernel: unknown kernel config fragment: nosuch\n {2}hint: fragments in .*kernel-config\/: base, console, net, pmem-dax, systemd, virtio/);
  assert.not.ok(existsSync(out));
});

test('a fragment with a syntax error: file and line, exit 1', async () => {
  const fragment = join(dir, 'broken.config');
  await writeFile(fragment, '# fine\nCONFIG_PVH=y\nCONFIG_EXT4_FS = y\n');
  const r = await ccBuild(['kernel', '--fragments', `base,${fragment}`, '-o', join(dir, 'b.vmlinux'), '--json']);
  assert.is(r.code, 1);
  assert.match(r.stderr, new RegExp(`${fragment}:3: expected CONFIG_NAME=VALUE`));
});

test('a source tree that is not a kernel: exit 1, the cache untouched', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'cc-kernel-cache-'));
  const r = await ccBuild(['kernel', '--source', dir, '-o', join(dir, 'c.vmlinux'), '--json'], { XDG_CACHE_HOME: cache });
  assert.is(r.code, 1);
  assert.match(r.stderr, /not a Linux kernel source tree/);
  assert.not.ok(existsSync(join(cache, 'cc', 'kernels')));
});

test('--help lists the options and examples', async () => {
  const r = await ccBuild(['kernel', '--help']);
  assert.is(r.code, 0);
  for (const flag of ['--fragments', '--source', '--output', '--json', 'Examples']) assert.match(r.stdout, flag);
});

test.run();
