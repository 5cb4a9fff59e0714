// docker run's overrides on an image's run config: `-- CMD ARGS`, --entrypoint, -e, --env-file,
// -w, -u USER[:GROUP] (names resolved against the image's own /etc/passwd and /etc/group, as runc
// does: an explicit group drops the supplementary groups), --name. Pure: files come in as text.
import type { ImageRunConfig } from '../../manifest/image-manifest.js';
import type { RunSpec } from './run-spec.js';

export interface Overrides {
  /** Words after `--`: replace the image's cmd. */
  cmd?: string[];
  entrypoint?: string;
  /** -e KEY=VALUE, or -e KEY to pass the host's value. */
  env?: string[];
  /** Contents of --env-file files, in order. */
  envFiles?: { path: string; text: string }[];
  workdir?: string;
  user?: string;
  name?: string;
  /** -t: the app runs on a terminal of this size. */
  tty?: { rows: number; cols: number };
}

export interface Accounts {
  /** /etc/passwd and /etc/group of the app image; undefined when absent. */
  passwd?: string;
  group?: string;
}

export interface HostContext {
  /** The host's environment, for `-e KEY` without a value. */
  env: Record<string, string | undefined>;
  resolvConf: string;
  /** Used when --name is not given. */
  defaultHostname: string;
}

export class OverrideError extends Error {
  constructor(
    readonly kind: 'no-user' | 'no-group' | 'bad-env' | 'bad-workdir' | 'bad-name',
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'OverrideError';
  }
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

function records(text: string | undefined): string[][] {
  return (text ?? '').split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => l.split(':'));
}

function parsePasswd(text: string | undefined): PasswdEntry[] {
  return records(text).filter((f) => f.length >= 4).map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/' }));
}

function parseGroup(text: string | undefined): GroupEntry[] {
  return records(text).filter((f) => f.length >= 3).map((f) => ({
    name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean),
  }));
}

const isId = (s: string) => /^\d+$/.test(s);

/** uid, gid and supplementary groups for `-u USER[:GROUP]`. */
export function resolveUser(spec: string, accounts: Accounts): { uid: number; gid: number; groups: number[]; home?: string } {
  const [userPart, groupPart] = spec.split(':', 2) as [string, string | undefined];
  const passwd = parsePasswd(accounts.passwd);
  const groups = parseGroup(accounts.group);
  const entry = passwd.find((p) => p.name === userPart) ?? (isId(userPart) ? passwd.find((p) => p.uid === Number(userPart)) : undefined);
  if (!entry && !isId(userPart)) {
    throw new OverrideError('no-user', `-u ${spec}: no user ${JSON.stringify(userPart)} in the image's /etc/passwd`,
      accounts.passwd === undefined ? 'the image has no /etc/passwd: give a numeric uid' : 'give a user from the image or a numeric uid');
  }
  const uid = entry?.uid ?? Number(userPart);
  if (groupPart !== undefined && groupPart !== '') {
    const g = groups.find((x) => x.name === groupPart) ?? (isId(groupPart) ? groups.find((x) => x.gid === Number(groupPart)) : undefined);
    if (!g && !isId(groupPart)) {
      throw new OverrideError('no-group', `-u ${spec}: no group ${JSON.stringify(groupPart)} in the image's /etc/group`, 'give a group from the image or a numeric gid');
    }
    return { uid, gid: g?.gid ?? Number(groupPart), groups: [], ...(entry ? { home: entry.home } : {}) };
  }
  const supplementary = entry ? groups.filter((g) => g.members.includes(entry.name)).map((g) => g.gid) : [];
  return { uid, gid: entry?.gid ?? 0, groups: [...new Set(supplementary)], ...(entry ? { home: entry.home } : {}) };
}

/** KEY=VALUE lines of an env file: blank lines and # comments skipped, a bare KEY takes the host's value. */
function envFileEntries(file: { path: string; text: string }, host: HostContext): string[] {
  const out: string[] = [];
  file.text.split('\n').forEach((raw, n) => {
    const line = raw.replace(/\r$/, '').trimStart();
    if (!line || line.startsWith('#')) return;
    const e = envEntry(line, host, `${file.path}:${n + 1}`);
    if (e) out.push(e);
  });
  return out;
}

function envEntry(text: string, host: HostContext, where: string): string | undefined {
  const eq = text.indexOf('=');
  const key = eq < 0 ? text : text.slice(0, eq);
  if (!key || /\s/.test(key)) throw new OverrideError('bad-env', `${where}: ${JSON.stringify(text)} is not KEY=VALUE`);
  if (eq >= 0) return text;
  const v = host.env[key];
  return v === undefined ? undefined : `${key}=${v}`;
}

/** Later entries win for the same key; order of first appearance is kept. */
function mergeEnv(base: string[], extra: string[]): string[] {
  const map = new Map<string, string>();
  for (const e of [...base, ...extra]) {
    const eq = e.indexOf('=');
    map.set(eq < 0 ? e : e.slice(0, eq), e);
  }
  return [...map.values()];
}

const hasKey = (env: string[], key: string) => env.some((e) => e.startsWith(`${key}=`));

/** The spec the guest runs: the image's run config with docker run's overrides applied. */
export function applyOverrides(config: ImageRunConfig, o: Overrides, accounts: Accounts, host: HostContext): RunSpec {
  const entrypoint = o.entrypoint !== undefined ? (o.entrypoint === '' ? [] : [o.entrypoint]) : config.entrypoint;
  // As docker: --entrypoint drops the image's cmd.
  const cmd = o.cmd ?? (o.entrypoint !== undefined ? [] : config.cmd);
  const cwd = o.workdir ?? (config.workingDir || '/');
  if (!cwd.startsWith('/')) throw new OverrideError('bad-workdir', `-w ${cwd}: the working directory must be an absolute path`);
  const hostname = o.name ?? host.defaultHostname;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(hostname)) {
    throw new OverrideError('bad-name', `--name ${hostname}: use letters, digits, '_', '.' and '-' (at most 63)`);
  }
  let user: { uid: number; gid: number; groups: number[]; home?: string };
  if (o.user !== undefined) user = resolveUser(o.user, accounts);
  else {
    const home = config.user.name ? parsePasswd(accounts.passwd).find((p) => p.name === config.user.name)?.home : undefined;
    user = { uid: config.user.uid, gid: config.user.gid, groups: config.user.additionalGids ?? [], ...(home ? { home } : {}) };
  }
  const extra = [
    ...(o.envFiles ?? []).flatMap((f) => envFileEntries(f, host)),
    ...(o.env ?? []).flatMap((e) => envEntry(e, host, `-e ${e}`) ?? []),
  ];
  let env = mergeEnv([`HOSTNAME=${hostname}`, ...config.env], extra);
  if (!hasKey(env, 'HOME')) env = [...env, `HOME=${user.home || '/'}`];
  // As docker run -t.
  if (o.tty && !hasKey(env, 'TERM')) env = [...env, 'TERM=xterm'];
  return {
    argv: [...entrypoint, ...cmd],
    env,
    cwd,
    uid: user.uid,
    gid: user.gid,
    groups: user.groups,
    hostname,
    resolvConf: host.resolvConf,
    ...(o.tty ? { tty: o.tty } : {}),
  };
}
