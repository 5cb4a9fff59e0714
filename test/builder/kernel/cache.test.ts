// The kernel cache in a temporary $XDG_CACHE_HOME: atomic entries, the request index, and a
// repeated build answered from the cache without touching any kernel source.
import { readdirSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildKernel } from '../../../builder/kernel/build.js';
import { cacheKey, type KernelMeta, kernelsDir, lookup, publish, rememberRequest, requestKey } from '../../../builder/kernel/cache.js';
import { loadFragments, mergeFragments } from '../../../builder/kernel/fragments.js';
import { sourceIdentity } from '../../../builder/kernel/source.js';
import { toolchainVersion } from '../../../builder/kernel/toolchain.js';
import { deadPid } from '../../helpers/dead-pid.js';
import { scratchDir } from '../../helpers/scratch.js';

const saved = process.env.XDG_CACHE_HOME;
let home: string;

test.before.each(async () => {
  home = scratchDir('cache');
  process.env.XDG_CACHE_HOME = home;
});
test.after.each(async () => {
  if (saved === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = saved;
  await rm(home, { recursive: true, force: true });
});

function meta(key: string): KernelMeta {
  return {
    schema: 'cc.kernel.v1', key, configHash: 'c', sourceVersion: '6.1.0', compiler: 'gcc', fragments: ['base'],
    size: 4, sha256: 's', pvhEntry: 0x1000000, buildSeconds: 1, builtAt: new Date(0).toISOString(),
  };
}

test('the key changes with the source version, the config and the compiler', () => {
  const base = { sourceVersion: '6.1.192', config: 'CONFIG_A=y\n', compiler: 'gcc 12.2.0' };
  const key = cacheKey(base);
  assert.is.not(cacheKey({ ...base, sourceVersion: '6.1.193' }), key);
  assert.is.not(cacheKey({ ...base, config: 'CONFIG_A=n\n' }), key);
  assert.is.not(cacheKey({ ...base, compiler: 'gcc 13' }), key);
  assert.is(cacheKey({ ...base }), key);
});

test('publish stores vmlinux, config and meta.json under the key, with nothing left in staging', async () => {
  const dir = scratchDir('built');
  await writeFile(join(dir, 'vmlinux'), 'ELF!');
  await writeFile(join(dir, '.config'), 'CONFIG_A=y\n');
  const entry = await publish({ vmlinux: join(dir, 'vmlinux'), config: join(dir, '.config') }, meta('k1'));
  assert.is(entry.dir, join(kernelsDir(), 'k1'));
  assert.is(await readFile(entry.vmlinuxPath, 'utf8'), 'ELF!');
  assert.equal((await lookup('k1'))!.meta.fragments, ['base']);
  assert.equal(readdirSync(kernelsDir()), ['k1']);
  // Publishing the same key again keeps the first entry (a concurrent build finished first).
  await writeFile(join(dir, 'vmlinux'), 'other');
  const again = await publish({ vmlinux: join(dir, 'vmlinux'), config: join(dir, '.config') }, meta('k1'));
  assert.is(await readFile(again.vmlinuxPath, 'utf8'), 'ELF!');
  await rm(dir, { recursive: true, force: true });
});

test('publish and rememberRequest remove the staging left by killed builds, not a running build\'s', async () => {
  const { mkdir } = await import('node:fs/promises');
  const requests = join(kernelsDir(), 'requests');
  await mkdir(requests, { recursive: true });
  const dead = deadPid();
  const staleStaging = `.k0.tmp-${dead}-0badc0de`;
  const liveStaging = `.k9.tmp-${process.pid}-0badc0de`;
  for (const name of [staleStaging, liveStaging]) {
    await mkdir(join(kernelsDir(), name));
    await writeFile(join(kernelsDir(), name, 'vmlinux'), 'half');
  }
  await writeFile(join(requests, `.r0.tmp-${dead}-0badc0de`), 'k0\n');
  const dir = scratchDir('built');
  await writeFile(join(dir, 'vmlinux'), 'ELF!');
  await writeFile(join(dir, '.config'), 'CONFIG_A=y\n');
  await publish({ vmlinux: join(dir, 'vmlinux'), config: join(dir, '.config') }, meta('k3'));
  assert.equal(readdirSync(kernelsDir()).sort(), [liveStaging, 'k3', 'requests'].sort());
  await rememberRequest('r3', 'k3');
  assert.equal(readdirSync(requests), ['r3']);
});

test('an entry without meta.json is not a hit', async () => {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(kernelsDir(), 'torn'), { recursive: true });
  await writeFile(join(kernelsDir(), 'torn', 'vmlinux'), 'half');
  assert.is(await lookup('torn'), null);
});

test('a repeated request is answered from the cache at once, without a kernel source', async () => {
  const { options } = mergeFragments(await loadFragments(['base', 'console']));
  const dir = scratchDir('built');
  await writeFile(join(dir, 'vmlinux'), 'ELF!');
  await writeFile(join(dir, '.config'), 'CONFIG_A=y\n');
  await publish({ vmlinux: join(dir, 'vmlinux'), config: join(dir, '.config') }, meta('k2'));
  const identity = await sourceIdentity(undefined);
  await rememberRequest(requestKey({ sourceIdentity: identity, compiler: await toolchainVersion(), options }), 'k2');
  const started = Date.now();
  const result = await buildKernel({ fragments: ['base', 'console'] });
  assert.ok(result.cached);
  assert.is(result.key, 'k2');
  assert.is(result.vmlinuxPath, join(kernelsDir(), 'k2', 'vmlinux'));
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  await rm(dir, { recursive: true, force: true });
});

test.run();
