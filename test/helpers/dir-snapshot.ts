// A directory tree as the kernel shows it (lstat, readlink, getfattr), for comparing what we
// built (a loop-mounted image) with what a reference tool unpacked (umoci), entry by entry.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface DirEntry {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtimeNs: bigint;
  /** sha256 of a file's content, a symlink's target, `major:minor` of a device. */
  data: string;
  xattrs: Record<string, string>;
}

export interface DirSnapshot {
  entries: Map<string, DirEntry>;
  /** Paths sharing an inode (hard-link groups of two or more), each sorted, sorted by first path. */
  linkGroups: string[][];
}

const TYPES: Record<number, string> = { 0o100000: 'file', 0o040000: 'dir', 0o120000: 'symlink', 0o020000: 'char', 0o060000: 'block', 0o010000: 'fifo', 0o140000: 'socket' };

/** xattrs of every entry under root, by getfattr (the reference tool), without following symlinks. */
function xattrsOf(root: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  const text = execFileSync('getfattr', ['-R', '-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', root], { maxBuffer: 1 << 28 }).toString();
  let current: Record<string, string> | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# file: ')) {
      const path = line.slice(8).slice(root.length) || '/';
      current = {};
      out.set(path.startsWith('/') ? path : `/${path}`, current);
    } else if (current && line.includes('=')) {
      const i = line.indexOf('=');
      current[line.slice(0, i)] = line.slice(i + 1);
    }
  }
  return out;
}

export function snapshotDir(root: string, exclude: string[] = []): DirSnapshot {
  const entries = new Map<string, DirEntry>();
  const inodes = new Map<bigint, string[]>();
  const xattrs = xattrsOf(root);
  const walk = (rel: string) => {
    const abs = join(root, rel);
    const st = lstatSync(abs, { bigint: true });
    const type = TYPES[Number(st.mode) & 0o170000] ?? 'unknown';
    let data = '';
    if (type === 'file') data = createHash('sha256').update(readFileSync(abs)).digest('hex');
    else if (type === 'symlink') data = readlinkSync(abs);
    else if (type === 'char' || type === 'block') {
      const r = st.rdev;
      data = `${((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn)}:${(r & 0xffn) | ((r >> 12n) & ~0xffn)}`;
    }
    entries.set(rel, {
      type, mode: Number(st.mode) & 0o7777, uid: Number(st.uid), gid: Number(st.gid), mtimeNs: st.mtimeNs, data,
      xattrs: xattrs.get(rel) ?? {},
    });
    if (type !== 'dir') inodes.set(st.ino, [...(inodes.get(st.ino) ?? []), rel]);
    if (type === 'dir') {
      for (const name of readdirSync(abs).sort()) {
        const child = rel === '/' ? `/${name}` : `${rel}/${name}`;
        if (!exclude.includes(child)) walk(child);
      }
    }
  };
  walk('/');
  const linkGroups = [...inodes.values()].filter((g) => g.length > 1).map((g) => g.sort()).sort((a, b) => a[0]!.localeCompare(b[0]!));
  return { entries, linkGroups };
}

/** Every difference between two snapshots, one line each (empty: identical). */
export function diffSnapshots(got: DirSnapshot, want: DirSnapshot): string[] {
  const out: string[] = [];
  for (const [path, w] of want.entries) {
    const g = got.entries.get(path);
    if (!g) {
      out.push(`${path}: missing`);
      continue;
    }
    for (const key of ['type', 'mode', 'uid', 'gid', 'mtimeNs', 'data'] as const) {
      if (g[key] !== w[key]) out.push(`${path}: ${key} ${String(g[key])} != ${String(w[key])}`);
    }
    if (JSON.stringify(g.xattrs) !== JSON.stringify(w.xattrs)) out.push(`${path}: xattrs ${JSON.stringify(g.xattrs)} != ${JSON.stringify(w.xattrs)}`);
  }
  for (const path of got.entries.keys()) if (!want.entries.has(path)) out.push(`${path}: unexpected`);
  if (JSON.stringify(got.linkGroups) !== JSON.stringify(want.linkGroups)) {
    out.push(`hard-link groups ${JSON.stringify(got.linkGroups)} != ${JSON.stringify(want.linkGroups)}`);
  }
  return out;
}
