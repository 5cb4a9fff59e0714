// Step: systemd units — inline unit files, then enable, disable and mask as systemctl would do
// them offline (symlinks under /etc/systemd/system), then the default target.
import path from 'node:path';
import type { RootView } from '../overlay/root-view.js';
import type { BuildContext } from './context.js';
import { BuildError } from './errors.js';

export const ETC_UNITS = '/etc/systemd/system';

/** systemd's system unit search path, first match wins (as `systemd-analyze unit-paths`). */
const UNIT_PATH = [ETC_UNITS, '/usr/local/lib/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];

export function hasSystemd(root: RootView): boolean {
  return root.exists('/usr/lib/systemd/systemd') || root.exists('/lib/systemd/systemd');
}

/** Where the guest's systemd would load a unit from, or undefined. A mask (→ /dev/null) counts as absent. */
export function findUnit(root: RootView, name: string): string | undefined {
  for (const dir of UNIT_PATH) {
    const p = `${dir}/${name}`;
    if (root.typeOf(root.resolve(dir)) === undefined) continue;
    if (root.resolve(p) === '/dev/null') return undefined;
    if (root.exists(p)) return p;
  }
  return undefined;
}

interface InstallSection {
  wantedBy: string[];
  requiredBy: string[];
  alias: string[];
  also: string[];
  defaultInstance?: string;
}

/** The [Install] section of a unit file; repeated keys add up, an empty value resets (systemd.unit(5)). */
export function installSection(text: string): InstallSection {
  const out: InstallSection = { wantedBy: [], requiredBy: [], alias: [], also: [] };
  let inInstall = false;
  for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) inInstall = line === '[Install]';
    const m = inInstall ? /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line) : null;
    if (!m) continue;
    const values = m[2]!.split(/\s+/).filter(Boolean);
    const field = ({ WantedBy: 'wantedBy', RequiredBy: 'requiredBy', Alias: 'alias', Also: 'also' } as const)[m[1] as 'WantedBy'];
    if (field) out[field] = values.length ? [...out[field], ...values] : [];
    else if (m[1] === 'DefaultInstance') out.defaultInstance = values[0];
  }
  return out;
}

function ensureDir(root: RootView, dir: string): void {
  if (!root.exists(dir)) root.mkdir(dir);
}

function enable(root: RootView, name: string, seen: Set<string>): void {
  if (seen.has(name)) return;
  seen.add(name);
  const template = /^([^@]+)@([^.]*)\.(\w+)$/.exec(name);
  const file = findUnit(root, name) ?? (template ? findUnit(root, `${template[1]}@.${template[3]}`) : undefined);
  if (!file) throw new BuildError('unknown-unit', `systemd.enable: no unit ${name} in the guest`, 'install the package that ships it, or write it under systemd.units');
  const install = installSection(root.read(file) ?? '');
  if (!install.wantedBy.length && !install.requiredBy.length && !install.alias.length && !install.also.length) {
    throw new BuildError('no-install-section', `systemd.enable: ${name} has no [Install] section`, 'add [Install] WantedBy=multi-user.target to the unit');
  }
  let instance = name;
  if (template && template[2] === '') {
    if (!install.defaultInstance) throw new BuildError('no-install-section', `systemd.enable: ${name} is a template without DefaultInstance=`, `enable an instance, e.g. ${template[1]}@NAME.${template[3]}`);
    instance = `${template[1]}@${install.defaultInstance}.${template[3]}`;
  }
  for (const [targets, suffix] of [[install.wantedBy, 'wants'], [install.requiredBy, 'requires']] as const) {
    for (const target of targets) {
      ensureDir(root, `${ETC_UNITS}/${target}.${suffix}`);
      root.symlink(`${ETC_UNITS}/${target}.${suffix}/${instance}`, file);
    }
  }
  for (const alias of install.alias) root.symlink(`${ETC_UNITS}/${alias}`, file);
  for (const other of install.also) enable(root, other, seen);
}

/** Removes every enablement link of a unit: in *.wants/ and *.requires/ folders and aliases. */
function disable(root: RootView, name: string): void {
  for (const entry of root.list(ETC_UNITS)) {
    const p = `${ETC_UNITS}/${entry}`;
    if (/\.(wants|requires)$/.test(entry) && root.typeOf(p) === 'dir') {
      for (const link of root.list(p)) if (link === name && root.typeOf(`${p}/${link}`) === 'symlink') root.remove(`${p}/${link}`);
    } else if (root.typeOf(p) === 'symlink' && path.posix.basename(root.readlink(p)!) === name && entry !== name) {
      root.remove(p);
    }
  }
}

export function mask(root: RootView, name: string): void {
  root.symlink(`${ETC_UNITS}/${name}`, '/dev/null');
}

export async function systemd(ctx: BuildContext): Promise<void> {
  const { root } = ctx;
  const s = ctx.recipe.systemd;
  const asked = s.enable.length + s.disable.length + s.mask.length + Object.keys(s.units).length;
  if (!hasSystemd(root)) {
    if (asked > 0) throw new BuildError('no-systemd', 'systemd: the guest has no systemd', 'add systemd-sysv to base.debian.packages');
    return;
  }
  for (const [name, text] of Object.entries(s.units)) root.writeFile(`${ETC_UNITS}/${name}`, text);
  for (const name of s.disable) disable(root, name);
  const seen = new Set<string>();
  for (const name of s.enable) enable(root, name, seen);
  for (const name of s.mask) mask(root, name);
  const target = findUnit(root, s.defaultTarget);
  if (!target) throw new BuildError('unknown-unit', `systemd.default-target: no unit ${s.defaultTarget} in the guest`);
  root.symlink(`${ETC_UNITS}/default.target`, target);
}
