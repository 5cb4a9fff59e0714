// A Debian root from mmdebstrap: it writes a tarball to stdout, which goes straight into the cache
// and from there, as one tar layer, into the tree. Nothing is extracted on our side; mmdebstrap
// removes its own temporary chroot.
//
// The cache key is the base section of the recipe plus the digest of the suite's InRelease file:
// a new package version anywhere in the suite changes InRelease, an unchanged suite reuses the
// tarball. SOURCE_DATE_EPOCH comes from InRelease's Date, so the same package versions give the
// same tarball byte for byte.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { BaseSpec } from '../recipe/types.js';
import type { CacheStore } from '../cache/store.js';
import { cacheKey } from '../cache/store.js';
import type { RootfsSource } from './source.js';

export type DebianBaseSpec = Extract<BaseSpec, { kind: 'debian' }>;

export type DebianErrorKind = 'mirror-unreachable' | 'unknown-package' | 'mmdebstrap-missing' | 'mmdebstrap-failed';

export class DebianError extends Error {
  override name = 'DebianError';
  constructor(
    readonly kind: DebianErrorKind,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The merged-/usr hook: without it the usrmerge package runs and pulls in perl (~50 MB). */
export const MERGED_USR_HOOKS = '/usr/share/mmdebstrap/hooks/merged-usr';

export interface DebianRootfs {
  /** The cached tarball. */
  tarball: string;
  key: string;
  /** Seconds since the epoch from the suite's InRelease `Date:`: the tarball's timestamps. */
  epoch: number;
  /** True when the tarball came from the cache. */
  cached: boolean;
  /** When the mirror could not be reached and an earlier tarball of this base was used instead. */
  offline?: boolean;
}

interface Release {
  digest: string;
  epoch: number;
}

/** The recipe's base section alone (what "same recipe" means for the cache). */
function sectionKey(spec: DebianBaseSpec): string {
  return cacheKey('debian-section', spec.suite, spec.variant, [...spec.packages].sort(), spec.mirror);
}

async function fetchRelease(spec: DebianBaseSpec): Promise<Release> {
  const url = `${spec.mirror.replace(/\/$/, '')}/dists/${spec.suite}/InRelease`;
  let body: Buffer;
  try {
    if (url.startsWith('file://')) {
      body = await fs.readFile(fileURLToPath(url));
    } else {
      const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
      if (response.status === 404) throw new DebianError('mirror-unreachable', `${spec.mirror} has no suite "${spec.suite}" (${url}: 404)`, 'check base.debian.suite and base.debian.mirror');
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      body = Buffer.from(await response.arrayBuffer());
    }
  } catch (cause) {
    if (cause instanceof DebianError) throw cause;
    const inner = (cause as { cause?: { code?: string; message?: string } }).cause;
    const reason = inner?.code ?? inner?.message ?? (cause as Error).message;
    throw new DebianError('mirror-unreachable', `cannot reach the Debian mirror ${spec.mirror}: ${reason}`, 'check the network, or set base.debian.mirror to a reachable mirror', { cause });
  }
  const date = /^Date:\s*(.+)$/m.exec(body.toString('utf8'))?.[1];
  const epoch = date ? Math.floor(Date.parse(date) / 1000) : NaN;
  if (!Number.isFinite(epoch)) throw new DebianError('mirror-unreachable', `${url} has no Date: field; is ${spec.mirror} a Debian mirror?`);
  return { digest: createHash('sha256').update(body).digest('hex'), epoch };
}

/** The tarball for a Debian base: from the cache when the suite is unchanged, else from mmdebstrap. */
export async function debianRootfs(spec: DebianBaseSpec, cache: CacheStore, log: (line: string) => void = () => {}, signal?: AbortSignal): Promise<DebianRootfs> {
  const section = sectionKey(spec);
  let release: Release;
  try {
    release = await fetchRelease(spec);
  } catch (e) {
    // Offline: an earlier tarball of the same base section still builds the same recipe.
    const last = await cache.readJson<{ key: string; epoch: number }>('debian', `${section}.last.json`);
    if (e instanceof DebianError && e.kind === 'mirror-unreachable' && last && (await cache.has('debian', `${last.key}.tar`))) {
      log(`${e.message}; using the cached base from ${new Date(last.epoch * 1000).toISOString()}`);
      return { tarball: cache.path('debian', `${last.key}.tar`), key: last.key, epoch: last.epoch, cached: true, offline: true };
    }
    throw e;
  }
  const key = cacheKey('debian-tar-v1', section, release.digest);
  const name = `${key}.tar`;
  const cached = await cache.has('debian', name);
  if (!cached) await cache.put('debian', name, (tmp) => runMmdebstrap(spec, release.epoch, tmp, log, signal));
  await cache.writeJson('debian', `${section}.last.json`, { key, epoch: release.epoch });
  return { tarball: cache.path('debian', name), key, epoch: release.epoch, cached };
}

export function mmdebstrapArgs(spec: DebianBaseSpec): string[] {
  return [
    // root mode runs maintainer scripts in a real chroot (needs root); unshare mode needs user namespaces.
    `--mode=${process.getuid?.() === 0 ? 'root' : 'unshare'}`,
    `--variant=${spec.variant}`,
    ...(spec.packages.length ? [`--include=${spec.packages.join(',')}`] : []),
    `--hook-dir=${MERGED_USR_HOOKS}`,
    '--format=tar',
    spec.suite,
    '-',
    `deb ${spec.mirror} ${spec.suite} main`,
  ];
}

async function runMmdebstrap(spec: DebianBaseSpec, epoch: number, out: string, log: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const args = ['-n', '10', 'mmdebstrap', ...mmdebstrapArgs(spec)];
  // nice execs mmdebstrap: an abort's SIGTERM reaches mmdebstrap, which removes its temporary chroot.
  const child = spawn('nice', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) }, ...(signal ? { signal } : {}) });
  const tail: string[] = [];
  let partial = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      tail.push(line);
      if (tail.length > 200) tail.shift();
      log(line);
    }
  });
  const file = createWriteStream(out);
  child.stdout.pipe(file);
  const [status] = await Promise.all([
    new Promise<number | 'missing'>((resolve) => {
      child.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ENOENT' ? 'missing' : -1));
      child.stdout.on('error', () => {});
      child.on('close', (code) => resolve(code ?? -1));
    }),
    new Promise<void>((resolve, reject) => file.on('close', resolve).on('error', reject)),
  ]);
  if (status === 'missing') throw new DebianError('mmdebstrap-missing', 'mmdebstrap is not installed', 'run ./scripts/install-deps.sh (apt-get install mmdebstrap)');
  if (status === 0) return;
  signal?.throwIfAborted();
  const missing = tail.map((l) => /Unable to locate package (\S+)/.exec(l)?.[1]).filter(Boolean);
  if (missing.length) {
    throw new DebianError('unknown-package', `${spec.suite} has no package ${missing.join(', ')}`, 'check base.debian.packages; `apt-cache policy NAME` shows what a suite has');
  }
  const last = tail.filter((l) => /^E:|error/i.test(l)).pop() ?? tail.pop() ?? `exit status ${status}`;
  throw new DebianError('mmdebstrap-failed', `mmdebstrap failed: ${last.trim()}`, 'the lines above are its output');
}

/** The cached tarball as a source: one layer, no run configuration. */
export function debianRootfsSource(rootfs: DebianRootfs, spec: DebianBaseSpec): RootfsSource {
  return {
    ref: `debian:${spec.suite}`,
    async *layers() {
      yield { name: `debian:${spec.suite}@${rootfs.key.slice(0, 12)}`, whiteouts: false, open: async () => createReadStream(rootfs.tarball) };
    },
    runConfig: async () => null,
    close: async () => {},
  };
}
