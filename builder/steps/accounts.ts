// Step: groups and users, written into the guest's /etc/passwd, group, shadow and gshadow the
// way useradd would (new ids from 1000, a group per user, a locked password, a home folder).
import type { RootView } from '../overlay/root-view.js';
import type { BuildContext } from './context.js';
import { BuildError } from './errors.js';

const FIRST_ID = 1000;
const LAST_ID = 59999;

/** One colon-separated database (/etc/passwd, /etc/group, …), edited line by line. */
class AccountFile {
  readonly rows: string[][];
  constructor(
    readonly path: string,
    text: string | undefined,
  ) {
    this.rows = (text ?? '').split('\n').filter((l) => l.trim() !== '').map((l) => l.split(':'));
  }
  find(name: string): string[] | undefined {
    return this.rows.find((r) => r[0] === name);
  }
  ids(column: number): Set<number> {
    return new Set(this.rows.map((r) => Number(r[column])));
  }
  toString(): string {
    return this.rows.map((r) => r.join(':')).join('\n') + '\n';
  }
}

export interface Accounts {
  passwd: AccountFile;
  group: AccountFile;
  shadow: AccountFile;
  gshadow: AccountFile;
}

export function readAccounts(root: RootView): Accounts {
  const f = (p: string) => new AccountFile(p, root.read(p));
  return { passwd: f('/etc/passwd'), group: f('/etc/group'), shadow: f('/etc/shadow'), gshadow: f('/etc/gshadow') };
}

/** A user or group name (or number) as the guest resolves it. */
export function resolveId(accounts: Accounts, kind: 'user' | 'group', name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  const row = kind === 'user' ? accounts.passwd.find(name) : accounts.group.find(name);
  // root is 0 by definition, also in a tree without /etc/passwd (a scratch base).
  if (!row && name === 'root') return 0;
  if (!row) throw new BuildError('unknown-account', `the guest has no ${kind} "${name}"`, `add it under ${kind === 'user' ? 'users' : 'groups'}: in the recipe`);
  return Number(row[2]);
}

function freeId(taken: Set<number>, wanted?: number): number {
  if (wanted !== undefined) return wanted;
  for (let id = FIRST_ID; id <= LAST_ID; id++) if (!taken.has(id)) return id;
  throw new BuildError('account-exists', `no free id between ${FIRST_ID} and ${LAST_ID}`);
}

function addGroup(a: Accounts, name: string, gid: number | undefined): number {
  const existing = a.group.find(name);
  if (existing) {
    if (gid !== undefined && Number(existing[2]) !== gid) {
      throw new BuildError('account-exists', `groups: ${name} exists in the base with gid ${existing[2]}, not ${gid}`, 'drop gid: or choose another name');
    }
    return Number(existing[2]);
  }
  const id = freeId(a.group.ids(2), gid);
  a.group.rows.push([name, 'x', String(id), '']);
  a.gshadow.rows.push([name, '!', '', '']);
  return id;
}

export async function accounts(ctx: BuildContext): Promise<void> {
  const { users, groups } = ctx.recipe;
  if (users.length === 0 && groups.length === 0) return;
  const a = readAccounts(ctx.root);
  for (const g of groups) addGroup(a, g.name, g.gid);
  const days = String(Math.floor(ctx.epoch / 86400));
  for (const u of users) {
    if (a.passwd.find(u.name)) throw new BuildError('account-exists', `users: ${u.name} already exists in the base`, 'choose another name');
    const uid = freeId(a.passwd.ids(2), u.uid);
    // useradd's USERGROUPS_ENAB: the user's own group takes the uid as gid when it is free.
    const gid = addGroup(a, u.group, a.group.find(u.group) || a.group.ids(2).has(uid) ? undefined : uid);
    a.passwd.rows.push([u.name, 'x', String(uid), String(gid), '', u.home, u.shell]);
    a.shadow.rows.push([u.name, '!', days, '0', '99999', '7', '', '', '']);
    for (const name of u.groups) {
      const row = a.group.find(name);
      if (!row) throw new BuildError('unknown-account', `users: ${u.name}: the guest has no group "${name}"`, 'declare it under groups:');
      row[3] = row[3] ? `${row[3]},${u.name}` : u.name;
      const shadowRow = a.gshadow.find(name);
      if (shadowRow) shadowRow[3] = shadowRow[3] ? `${shadowRow[3]},${u.name}` : u.name;
    }
    if (!ctx.root.exists(u.home)) ctx.root.mkdir(u.home, { mode: 0o750, uid, gid });
  }
  // shadow files stay readable by group shadow only, as Debian ships them.
  const shadowGid = a.group.find('shadow') ? Number(a.group.find('shadow')![2]) : 0;
  ctx.root.writeFile('/etc/passwd', a.passwd.toString());
  ctx.root.writeFile('/etc/group', a.group.toString());
  ctx.root.writeFile('/etc/shadow', a.shadow.toString(), { mode: 0o640, gid: shadowGid });
  ctx.root.writeFile('/etc/gshadow', a.gshadow.toString(), { mode: 0o640, gid: shadowGid });
}
