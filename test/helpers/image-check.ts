// Checks an ext4 image with the reference tools: e2fsck, a read-only loop mount, getfattr, and an
// independent tar parser (tar-stream) for what the image should contain.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import * as assert from 'uvu/assert';

export function run(cmd: string, args: string[], input?: Buffer): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { input, maxBuffer: 1 << 28 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message} (is it installed? scripts/install-deps.sh)`);
  return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** e2fsck -fn must find nothing to fix. */
export function assertFsckClean(image: string): void {
  const r = run('e2fsck', ['-fn', image]);
  assert.is(r.status, 0, `e2fsck -fn ${image} found problems:\n${r.stdout}${r.stderr}`);
}

/** Loop-mounts the image read-only for `fn`. Needs root; outside CI a non-root run skips loudly. */
export function canMount(): boolean {
  if (process.getuid?.() === 0) return true;
  if (process.env.CI) throw new Error('loop-mount tests need root (CI runs as root)');
  console.warn('SKIP mount checks: not root');
  return false;
}

/** Loop-mounts `image` (read-only unless `mode` is 'rw') for `fn`, then unmounts it. */
export async function withMount<T>(image: string, fn: (dir: string) => Promise<T> | T, mode: 'ro' | 'rw' = 'ro'): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'cc-mnt-'));
  const m = run('mount', ['-o', `loop,${mode}`, '-t', 'ext4', image, dir]);
  if (m.status !== 0) throw new Error(`mount ${image}: ${m.stderr}`);
  try {
    return await fn(dir);
  } finally {
    run('umount', [dir]);
    rmdirSync(dir);
  }
}

export interface Expected {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeNs: bigint;
  linkname: string;
  devmajor: number;
  devminor: number;
  sha256: string;
}

/** What a tar says the tree is (later entries win), read by tar-stream. */
export async function tarIndex(tarball: Buffer | Readable): Promise<Map<string, Expected>> {
  const index = new Map<string, Expected>();
  const extract = tar.extract();
  const input = Buffer.isBuffer(tarball) ? Readable.from([tarball]) : tarball;
  input.pipe(extract);
  for await (const entry of extract) {
    const h = entry.header;
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of entry) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    const name = norm(h.name);
    const pax = (h.pax ?? {}) as Record<string, string>;
    const paxMtime = pax.mtime;
    const mtimeNs = paxMtime ? paxNs(paxMtime) : BigInt(Math.floor(h.mtime!.getTime() / 1000)) * 1_000_000_000n;
    index.set(name, {
      type: h.type!,
      mode: h.mode! & 0o7777,
      uid: pax.uid ? Number(pax.uid) : h.uid!,
      gid: pax.gid ? Number(pax.gid) : h.gid!,
      size,
      mtimeNs,
      linkname: h.linkname ?? '',
      devmajor: h.devmajor ?? 0,
      devminor: h.devminor ?? 0,
      sha256: hash.digest('hex'),
    });
  }
  return index;
}

function paxNs(v: string): bigint {
  const [s, f = ''] = v.split('.');
  return BigInt(s!) * 1_000_000_000n + BigInt(f.padEnd(9, '0').slice(0, 9));
}

export function norm(p: string): string {
  const parts: string[] = [];
  for (const x of p.split('/')) {
    if (x === '' || x === '.') continue;
    if (x === '..') parts.pop();
    else parts.push(x);
  }
  return '/' + parts.join('/');
}

const TYPE_BITS: Record<string, number> = {
  file: 0o100000,
  directory: 0o040000,
  symlink: 0o120000,
  'character-device': 0o020000,
  'block-device': 0o060000,
  fifo: 0o010000,
};

/** Compares the mounted tree with the tar entry by entry; returns how many entries were checked. */
export function compareWithTar(root: string, index: Map<string, Expected>, options: { mtimes?: boolean } = {}): number {
  let checked = 0;
  for (const [path, e] of index) {
    if (path === '/') continue;
    const where = join(root, path);
    const st = lstatSync(where, { bigint: true });
    const label = `${path}`;
    if (e.type === 'link') {
      const target = lstatSync(join(root, norm(e.linkname)), { bigint: true });
      assert.is(st.ino, target.ino, `${label}: hard link to ${e.linkname} has another inode`);
      checked++;
      continue;
    }
    assert.is(Number(st.mode) & 0o170000, TYPE_BITS[e.type], `${label}: type ${e.type}`);
    assert.is(Number(st.mode) & 0o7777, e.mode, `${label}: mode ${e.mode.toString(8)} vs ${(Number(st.mode) & 0o7777).toString(8)}`);
    assert.is(Number(st.uid), e.uid, `${label}: uid`);
    assert.is(Number(st.gid), e.gid, `${label}: gid`);
    if (options.mtimes !== false) assert.is(st.mtimeNs, e.mtimeNs, `${label}: mtime`);
    if (e.type === 'file') {
      assert.is(Number(st.size), e.size, `${label}: size`);
      assert.is(createHash('sha256').update(readFileSync(where)).digest('hex'), e.sha256, `${label}: content`);
    } else if (e.type === 'symlink') {
      assert.is(readlinkSync(where), e.linkname, `${label}: symlink target`);
    } else if (e.type === 'character-device' || e.type === 'block-device') {
      const rdev = st.rdev;
      const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
      const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
      assert.equal([major, minor], [e.devmajor, e.devminor], `${label}: device numbers`);
    }
    checked++;
  }
  return checked;
}

/** All xattrs of a path as name -> hex, read by getfattr (the reference tool). */
export function xattrsOf(path: string): Record<string, string> {
  const r = run('getfattr', ['-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', path]);
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^([^#=][^=]*)=0x([0-9a-f]*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** A source whose layers are tar buffers, for driving convertToImage directly. */
export function bufferSource(layers: { name: string; tar: Buffer; whiteouts?: boolean }[]): import('../../builder/sources/source.js').RootfsSource {
  return {
    ref: 'test:buffers',
    async *layers() {
      for (const l of layers) yield { name: l.name, whiteouts: l.whiteouts ?? false, open: async () => Readable.from([l.tar]) };
    },
    async runConfig() {
      return null;
    },
    async close() {},
  };
}

/** debugfs -R CMD on an image, output as text. */
export function debugfs(image: string, cmd: string): string {
  return run('debugfs', ['-R', cmd, image]).stdout;
}
