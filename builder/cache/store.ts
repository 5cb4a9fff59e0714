// A content-addressed file cache: each entry is a file named by the digest of everything that
// went into it, written to a temp file beside it and renamed, so a failed or interrupted build
// never leaves a half entry and never changes an existing one. A build killed mid-put leaves its
// temp file; the next put() in that folder removes it (builder/cache/temp.ts).
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { removeStaleTemps, tempPath } from './temp.js';

/** `$CC_CACHE_DIR`, else `$XDG_CACHE_HOME/cc`, else `~/.cache/cc`. */
export function defaultCacheDir(): string {
  if (process.env['CC_CACHE_DIR']) return process.env['CC_CACHE_DIR'];
  return path.join(process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache'), 'cc');
}

/** sha256 of the canonical JSON of `parts` (object keys sorted), hex. */
export function cacheKey(...parts: unknown[]): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export class CacheStore {
  /** Folders already swept for stale temp files by this store. */
  private readonly swept = new Set<string>();

  constructor(readonly dir: string = defaultCacheDir()) {}

  /** Where an entry lives, e.g. `debian/<key>.tar`. */
  path(kind: string, name: string): string {
    return path.join(this.dir, kind, name);
  }

  async has(kind: string, name: string): Promise<boolean> {
    return fs.access(this.path(kind, name)).then(
      () => true,
      () => false,
    );
  }

  /** Runs `produce(tmp)` and publishes what it wrote; on failure the temp file goes and nothing changes. */
  async put(kind: string, name: string, produce: (tmp: string) => Promise<void>): Promise<string> {
    const final = this.path(kind, name);
    const folder = path.dirname(final);
    await fs.mkdir(folder, { recursive: true });
    // Swept here rather than when the store is opened: opening is for lookups too (has, readJson),
    // which should not list folders; temp files only appear where puts happen; and a put is about
    // to produce a whole entry, next to which one readdir per folder and store costs nothing.
    if (!this.swept.has(folder)) {
      this.swept.add(folder);
      await removeStaleTemps(folder);
    }
    const tmp = tempPath(final);
    try {
      await produce(tmp);
      await fs.rename(tmp, final);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
    return final;
  }

  /** Marks an entry as just used, for prune(). */
  async touch(kind: string, name: string): Promise<void> {
    const now = new Date();
    await fs.utimes(this.path(kind, name), now, now).catch(() => {});
  }

  /** Keeps the `keep` most recently used entries of a kind (an entry: the files sharing a key before the first dot). */
  async prune(kind: string, keep: number): Promise<void> {
    const dir = path.join(this.dir, kind);
    const entries = new Map<string, { files: string[]; used: number }>();
    for (const file of await fs.readdir(dir).catch(() => [] as string[])) {
      if (file.includes('.tmp-')) continue;
      const key = file.split('.')[0]!;
      const st = await fs.stat(path.join(dir, file)).catch(() => null);
      if (!st) continue;
      const entry = entries.get(key) ?? { files: [], used: 0 };
      entry.files.push(file);
      entry.used = Math.max(entry.used, st.mtimeMs);
      entries.set(key, entry);
    }
    const old = [...entries.values()].sort((a, b) => b.used - a.used).slice(keep);
    for (const entry of old) for (const file of entry.files) await fs.rm(path.join(dir, file), { force: true });
  }

  async readJson<T>(kind: string, name: string): Promise<T | null> {
    try {
      return JSON.parse(await fs.readFile(this.path(kind, name), 'utf8')) as T;
    } catch {
      return null;
    }
  }

  async writeJson(kind: string, name: string, value: unknown): Promise<void> {
    await this.put(kind, name, (tmp) => fs.writeFile(tmp, JSON.stringify(value)));
  }
}
