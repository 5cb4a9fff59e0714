// The kernel cache: <cache dir>/kernels/ (the cache dir as builder/cache/store.ts finds it)<key>/{vmlinux,config,meta.json}, keyed by the kernel
// source version, the merged .config and the compiler. Entries appear by one rename, complete or not at all;
// publish() first removes the staging folders of builds killed while publishing (builder/cache/temp.ts).
// A second index, requests/<request key>, maps what was asked (source, fragments, compiler) to an
// entry, so a repeated build answers without even running Kconfig.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultCacheDir } from '../cache/store.js';
import { removeStaleTemps, tempPath } from '../cache/temp.js';
import { KernelError } from './error.js';

export function kernelsDir(): string {
  return join(defaultCacheDir(), 'kernels');
}

/** Written beside each cached vmlinux. */
export interface KernelMeta {
  schema: 'cc.kernel.v1';
  key: string;
  /** sha256 of the merged .config. */
  configHash: string;
  sourceVersion: string;
  compiler: string;
  fragments: string[];
  size: number;
  sha256: string;
  /** Physical address of the PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY). */
  pvhEntry: number;
  buildSeconds: number;
  builtAt: string;
}

export interface CachedKernel {
  dir: string;
  vmlinuxPath: string;
  configPath: string;
  meta: KernelMeta;
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The entry's key: what the compiled kernel depends on (its command line is not compiled in). */
export function cacheKey(parts: { sourceVersion: string; config: string; compiler: string }): string {
  return sha256(JSON.stringify(['cc.kernel.v2', parts.sourceVersion, sha256(parts.config), parts.compiler])).slice(0, 32);
}

/** What was asked, before Kconfig ran: the source's identity, the compiler and the requested options. */
export function requestKey(parts: {
  sourceIdentity: string;
  compiler: string;
  options: readonly { name: string; value: string }[];
}): string {
  return sha256(JSON.stringify(['cc.kernel.request.v2', parts.sourceIdentity, parts.compiler, parts.options.map((o) => [o.name, o.value])]));
}

export async function lookup(key: string): Promise<CachedKernel | null> {
  const dir = join(kernelsDir(), key);
  const vmlinuxPath = join(dir, 'vmlinux');
  if (!existsSync(vmlinuxPath)) return null;
  try {
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as KernelMeta;
    return { dir, vmlinuxPath, configPath: join(dir, 'config'), meta };
  } catch {
    return null;
  }
}

/** Finds the entry an identical earlier request produced. */
export async function lookupRequest(requestKey: string): Promise<CachedKernel | null> {
  const key = await readFile(join(kernelsDir(), 'requests', requestKey), 'utf8').catch(() => null);
  return key ? lookup(key.trim()) : null;
}

export async function rememberRequest(requestKey: string, key: string): Promise<void> {
  const dir = join(kernelsDir(), 'requests');
  await mkdir(dir, { recursive: true });
  await removeStaleTemps(dir);
  const tmp = tempPath(join(dir, `.${requestKey}`));
  await writeFile(tmp, `${key}\n`);
  await rename(tmp, join(dir, requestKey));
}

/** Copies a built vmlinux and its .config into a staging folder and renames it into place. */
export async function publish(files: { vmlinux: string; config: string }, meta: KernelMeta): Promise<CachedKernel> {
  const root = kernelsDir();
  const dir = join(root, meta.key);
  // Hidden, so nothing that looks for <key>/vmlinux finds a half-copied one.
  const staging = tempPath(join(root, `.${meta.key}`));
  try {
    await mkdir(root, { recursive: true });
    await removeStaleTemps(root); // what builds killed while publishing left: a vmlinux each
    await mkdir(staging);
    await copyFile(files.vmlinux, join(staging, 'vmlinux'));
    await copyFile(files.config, join(staging, 'config'));
    await writeFile(join(staging, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
    const existing = await lookup(meta.key);
    if (existing) {
      await rm(staging, { recursive: true, force: true });
      return existing;
    }
    await rm(dir, { recursive: true, force: true }); // a torn entry left by a crash, without meta.json
    await rename(staging, dir);
  } catch (cause) {
    await rm(staging, { recursive: true, force: true });
    const existing = await lookup(meta.key);
    if (existing) return existing; // another build published the same key first
    throw new KernelError('cache', `${dir}: cannot store the kernel in the cache`, 'check free space and permissions of the cache folder ($CC_CACHE_DIR)', { cause });
  }
  return { dir, vmlinuxPath: join(dir, 'vmlinux'), configPath: join(dir, 'config'), meta };
}
