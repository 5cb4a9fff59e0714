// The lab's cache folder: generated L1 boot files, named by kernel release and content hash.
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';

export function labCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cc', 'lab');
}

/**
 * Writes `data` to `path` atomically and drops older files of the same family (the name up to
 * `family`), so a new kernel or init script replaces its predecessor instead of piling up.
 */
export function publishCached(path: string, family: string, data: Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
  for (const f of readdirSync(dir)) {
    if (f.startsWith(family) && f !== basename(path) && !f.endsWith('.tmp')) rmSync(join(dir, f), { force: true });
  }
}
