// Turns the run configuration an image declares into the stored ImageRunConfig: user and
// group names resolved against the image's own /etc/passwd and /etc/group, as Docker and
// runc would at start, but once, at conversion time, so that a typo fails the build.
import { posix } from 'node:path';
import { IMAGE_CONFIG_PATH, type ImageRunConfig } from '../manifest/image-manifest.js';
import type { DeclaredRunConfig, RootfsSource } from './sources/source.js';
import { TreeError, type FileTree } from './tree/tree.js';
import { BuilderError } from './errors.js';

export type RunConfigErrorKind = 'unknown-user' | 'unknown-group' | 'bad-id' | 'bad-working-dir';

export class RunConfigError extends BuilderError<RunConfigErrorKind> {}

/** Reads a file of the converted tree (symlinks resolved inside it); null when absent. */
export type TreeFileReader = (path: string) => Buffer | null | Promise<Buffer | null>;

interface DbEntry { name: string; id: number; gid?: number; members: string[] }

/** Parses passwd (`name:x:uid:gid:…`) or group (`name:x:gid:a,b`) lines; bad lines are skipped as libc does. */
export function parseIdFile(text: string, kind: 'passwd' | 'group'): DbEntry[] {
  const out: DbEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (line.startsWith('#') || f.length < (kind === 'passwd' ? 7 : 4) || !/^\d+$/.test(f[2]!)) continue;
    if (kind === 'passwd') {
      if (!/^\d+$/.test(f[3]!)) continue;
      out.push({ name: f[0]!, id: Number(f[2]), gid: Number(f[3]), members: [] });
    } else {
      out.push({ name: f[0]!, id: Number(f[2]), members: f[3]!.split(',').filter(Boolean) });
    }
  }
  return out;
}

const MAX_ID = 0xffffffff;

function numericId(value: string, what: string): number | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  if (n > MAX_ID) throw new RunConfigError('bad-id', `${what} ${value} is larger than ${MAX_ID}`);
  return n;
}

async function readDb(read: TreeFileReader, path: string, kind: 'passwd' | 'group'): Promise<DbEntry[] | null> {
  const data = await read(path);
  return data ? parseIdFile(data.toString('utf8'), kind) : null;
}

/** Resolves `user[:group]` (names or numeric ids) the way runc does. */
export async function resolveUser(spec: string, read: TreeFileReader): Promise<ImageRunConfig['user']> {
  const [userPart = '', groupPart] = spec.split(':', 2) as [string, string | undefined];
  const passwd = await readDb(read, '/etc/passwd', 'passwd');
  const group = await readDb(read, '/etc/group', 'group');
  const uidNum = numericId(userPart || '0', 'uid');
  const pw = uidNum !== undefined ? passwd?.find((p) => p.id === uidNum) : passwd?.find((p) => p.name === userPart);
  if (uidNum === undefined && !pw) {
    throw new RunConfigError('unknown-user', `user ${JSON.stringify(userPart)}: ${passwd ? 'no such user in the image\'s /etc/passwd' : 'the image has no /etc/passwd'}`,
      'use a numeric uid or add the user to the image');
  }
  const uid = uidNum ?? pw!.id;
  let gid = pw?.gid ?? 0;
  let gr: DbEntry | undefined;
  if (groupPart !== undefined && groupPart !== '') {
    const gidNum = numericId(groupPart, 'gid');
    gr = gidNum !== undefined ? group?.find((g) => g.id === gidNum) : group?.find((g) => g.name === groupPart);
    if (gidNum === undefined && !gr) {
      throw new RunConfigError('unknown-group', `group ${JSON.stringify(groupPart)}: ${group ? 'no such group in the image\'s /etc/group' : 'the image has no /etc/group'}`,
        'use a numeric gid or add the group to the image');
    }
    gid = gidNum ?? gr!.id;
  } else {
    gr = group?.find((g) => g.id === gid);
  }
  const additional = pw ? [...new Set((group ?? []).filter((g) => g.members.includes(pw.name) && g.id !== gid).map((g) => g.id))].sort((a, b) => a - b) : [];
  return {
    uid,
    gid,
    ...(pw ? { name: pw.name } : {}),
    ...(gr ? { group: gr.name } : {}),
    ...(additional.length ? { additionalGids: additional } : {}),
  };
}

export async function resolveRunConfig(declared: DeclaredRunConfig, read: TreeFileReader): Promise<ImageRunConfig> {
  if (!declared.workingDir.startsWith('/')) {
    throw new RunConfigError('bad-working-dir', `working dir ${JSON.stringify(declared.workingDir)} is not an absolute path`);
  }
  return { ...declared, user: await resolveUser(declared.user, read) };
}

/**
 * The `finalize` step of convert for sources that carry a run configuration: resolves it against
 * the converted tree and stores it at IMAGE_CONFIG_PATH (root-owned, 0644). Returns it, or null
 * for sources without one (rootfs tarballs).
 */
export async function storeRunConfig(tree: FileTree, source: RootfsSource): Promise<ImageRunConfig | null> {
  const declared = await source.runConfig();
  if (!declared) return null;
  const config = await resolveRunConfig(declared, async (path) => {
    try {
      return await tree.readFile(path);
    } catch (err) {
      if (err instanceof TreeError && err.kind === 'not-found') return null;
      throw err;
    }
  });
  const root = { uid: 0, gid: 0 };
  tree.mkdir(posix.dirname(IMAGE_CONFIG_PATH), { ...root, mode: 0o755 });
  await tree.addFile(IMAGE_CONFIG_PATH, Buffer.from(JSON.stringify(config, null, 2) + '\n'), { ...root, mode: 0o644 });
  return config;
}
