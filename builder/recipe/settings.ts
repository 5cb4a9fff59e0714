// The one table of recipe settings. Validation (parse.ts), the JSON dump (dump.ts) and the
// reference in recipes/README.md (docs.ts) are all derived from it: add a setting here and
// nowhere else.
//
// Keys are YAML paths: `base.debian.suite` is `suite:` under `debian:` under `base:`; `files[].mode`
// is `mode:` in each item of the `files:` list.
import path from 'node:path';
import { hostMirror } from '../sources/apt-sources.js';
import { STRIP_GROUPS } from './types.js';
import * as v from './values.js';
import type { Parse } from './values.js';

export type Section = 'general' | 'base' | 'files' | 'users' | 'systemd' | 'kernel' | 'image' | 'tuning' | 'run';

/** What a default is computed from: the recipe file, the item or section it sits in, the whole recipe so far. */
export interface DefaultContext {
  file: string;
  parent: Record<string, unknown>;
  root: Record<string, unknown>;
}

export interface Setting<T = unknown> {
  key: string;
  section: Section;
  parse: Parse<T>;
  /** A constant default, or one computed from the rest of the recipe; absent: optional, no default. */
  default?: T | ((cx: DefaultContext) => T);
  required?: boolean;
  /** How the default reads in the docs when it is computed. */
  defaultText?: string;
  /** Turns the parsed value back into what `parse` accepts (identity when absent). */
  dump?: (value: T) => unknown;
  help: string;
}

function setting<T>(s: Setting<T>): Setting {
  return s as Setting;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export const SETTINGS: readonly Setting[] = [
  setting({
    key: 'name',
    section: 'general',
    parse: v.text(NAME, 'a name of lower-case letters, digits, ".", "_" and "-"'),
    default: ({ file }) => path.basename(file).replace(/\.ya?ml$/, ''),
    defaultText: 'the recipe file name without .yaml',
    help: 'Names the outputs: NAME.ext4, NAME.vmlinux, NAME.json.',
  }),
  setting({
    key: 'base',
    section: 'base',
    parse: v.oneOf(['scratch'] as const),
    required: true,
    help: 'Where the root tree starts: `scratch` (empty), `debian:` (mmdebstrap) or `image:` (a container image).',
  }),
  setting({ key: 'base.debian.suite', section: 'base', parse: v.text(/^[a-z][a-z0-9-]*$/, 'a Debian suite name'), default: 'bookworm', help: 'Debian suite (codename).' }),
  setting({
    key: 'base.debian.variant',
    section: 'base',
    parse: v.oneOf(['essential', 'required', 'minbase', 'apt', 'important', 'standard'] as const),
    default: 'essential',
    help: 'mmdebstrap variant: `essential` is the smallest that boots with systemd-sysv added.',
  }),
  setting({
    key: 'base.debian.packages',
    section: 'base',
    parse: v.list(v.text(/^[a-z0-9][a-z0-9+.-]+(?:[:=][^\s]+)?$/, 'a Debian package name')),
    default: [],
    help: 'Packages installed on top of the variant (with their dependencies, without recommends).',
  }),
  setting({
    key: 'base.debian.mirror',
    section: 'base',
    parse: v.text(/^(https?|file):\/\/\S+$/, 'a mirror URL'),
    default: ({ parent }) => hostMirror(String(parent['suite'] ?? 'bookworm')),
    defaultText: "the host's apt source for the suite, else http://deb.debian.org/debian",
    help: 'Debian mirror URL.',
  }),
  setting({
    key: 'base.image',
    section: 'base',
    parse: v.imageRef,
    help: 'A container image as `cc-build convert` takes it (oci:, docker-archive:, tar:, aci:).',
  }),

  setting({ key: 'files[].path', section: 'files', parse: v.guestPath, required: true, help: 'Absolute path in the guest.' }),
  setting({ key: 'files[].source', section: 'files', parse: v.hostPath, help: "Host file to copy, relative to the recipe's folder." }),
  setting({ key: 'files[].content', section: 'files', parse: v.content, help: 'The file content, written inline.' }),
  setting({
    key: 'files[].mode',
    section: 'files',
    parse: v.fileMode,
    default: 0o644,
    dump: (mode: number) => `0${mode.toString(8).padStart(3, '0')}`,
    help: 'Permission bits, octal in quotes ("0755").',
  }),
  setting({
    key: 'files[].owner',
    section: 'files',
    parse: v.owner,
    default: { user: 'root', group: 'root' },
    dump: (o: { user: string; group: string }) => `${o.user}:${o.group}`,
    help: 'user:group, by name (resolved in the guest) or number.',
  }),

  setting({ key: 'users[].name', section: 'users', parse: v.accountName, required: true, help: 'Login name.' }),
  setting({ key: 'users[].uid', section: 'users', parse: v.integer(0, 2 ** 32 - 2), help: 'User id; default: the next free one from 1000.' }),
  setting({ key: 'users[].group', section: 'users', parse: v.accountName, default: ({ parent }) => parent['name'] as string, defaultText: 'a group named as the user', help: 'Primary group; created when absent.' }),
  setting({ key: 'users[].groups', section: 'users', parse: v.list(v.accountName), default: [], help: 'Supplementary groups (must exist).' }),
  setting({ key: 'users[].home', section: 'users', parse: v.guestPath, default: ({ parent }) => `/home/${String(parent['name'])}`, defaultText: '/home/NAME', help: 'Home folder, created.' }),
  setting({ key: 'users[].shell', section: 'users', parse: v.guestPath, default: '/bin/sh', help: 'Login shell.' }),
  setting({ key: 'groups[].name', section: 'users', parse: v.accountName, required: true, help: 'Group name.' }),
  setting({ key: 'groups[].gid', section: 'users', parse: v.integer(0, 2 ** 32 - 2), help: 'Group id; default: the next free one from 1000.' }),

  setting({ key: 'systemd.enable', section: 'systemd', parse: v.list(v.unitName), default: [], help: 'Units to enable, as `systemctl enable` would (their [Install] section).' }),
  setting({ key: 'systemd.disable', section: 'systemd', parse: v.list(v.unitName), default: [], help: 'Units to disable: their enablement links are removed.' }),
  setting({ key: 'systemd.mask', section: 'systemd', parse: v.list(v.unitName), default: [], help: 'Units to mask (linked to /dev/null).' }),
  setting({ key: 'systemd.default-target', section: 'systemd', parse: v.unitName, default: 'multi-user.target', help: 'The target systemd boots into.' }),
  setting({ key: 'systemd.units', section: 'systemd', parse: v.unitFiles, default: {}, help: 'Unit files written inline into /etc/systemd/system, by name.' }),

  setting({ key: 'kernel.fragments', section: 'kernel', parse: v.list(v.fragment), help: "Kconfig fragments: names in kernel-config/, or paths (with a /) from the recipe's folder; default: the kernel builder's default set." }),
  setting({ key: 'kernel.vmlinux', section: 'kernel', parse: v.hostPath, help: 'A prebuilt vmlinux to use instead of building one.' }),

  setting({ key: 'image.size', section: 'image', parse: v.size, dump: v.formatSize, help: 'Image size (64M, 1G); default: the content plus `free`.' }),
  setting({ key: 'image.free', section: 'image', parse: v.size, dump: v.formatSize, help: "Free space on top of the content; default: the image writer's." }),
  setting({
    key: 'image.label',
    section: 'image',
    parse: v.text(/^.{1,16}$/, 'a label of at most 16 characters'),
    default: ({ root }) => String(root['name']).slice(0, 16),
    defaultText: 'the name, cut to 16 characters',
    help: 'ext4 volume label.',
  }),

  setting({ key: 'cmdline', section: 'run', parse: v.cmdline, default: [], help: 'Extra kernel command-line words, after the defaults.' }),
  setting({ key: 'memory', section: 'run', parse: v.size, dump: v.formatSize, default: 128 * 2 ** 20, help: "Guest memory cc-run gives by default." }),
  setting({ key: 'cpus', section: 'run', parse: v.integer(1, 64), default: 1, help: 'vCPUs cc-run gives by default.' }),

  setting({ key: 'tuning.enabled', section: 'tuning', parse: v.boolean, default: true, help: 'Apply the guest tuning steps (masked units, a small journal on the private root, empty machine-id, no fstab).' }),
  setting({
    key: 'tuning.strip',
    section: 'tuning',
    parse: v.list(v.oneOf(STRIP_GROUPS)),
    default: ['docs', 'locales', 'hwdb'],
    help: `What to leave out of the base: ${STRIP_GROUPS.join(', ')} (perl: perl-base, used only by package maintainer scripts); [] keeps everything.`,
  }),
  setting({ key: 'tuning.journal-size', section: 'tuning', parse: v.size, dump: v.formatSize, default: 4 * 2 ** 20, help: "Cap of the journal, kept on the root: the VM's private copy, never the image file (SystemMaxUse=)." }),
];

export const SETTINGS_BY_KEY: ReadonlyMap<string, Setting> = new Map(SETTINGS.map((s) => [s.key, s]));

/** Mapping keys that hold one of several forms (`base: scratch` or `base: {debian: …}`): no defaults are filled in below them unless written. */
export const UNION_KEYS: ReadonlySet<string> = new Set(['base', 'base.debian']);
