// Kconfig fragments: the files in kernel-config/, one concern each, in .config syntax.
// A fragment holds `CONFIG_X=y|n|m|"string"|number` and `# CONFIG_X is not set` lines, and comments.
import { readFile, readdir } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KernelError } from './error.js';

/** kernel-config/ at the package root (this file runs from dist/builder/kernel/). */
export const FRAGMENT_DIR = fileURLToPath(new URL('../../../kernel-config/', import.meta.url));

/** The fragments a guest kernel is built from when none are named, in merge order. */
export const DEFAULT_FRAGMENTS = ['base', 'console', 'virtio', 'net', 'pmem-dax', 'systemd'] as const;

/** One requested option, as written: `value` is the .config spelling (`y`, `n`, `m`, `"str"`, `42`, `0x10`). */
export interface RequestedOption {
  /** Symbol name without the CONFIG_ prefix, as Kconfig spells it. */
  name: string;
  value: string;
  file: string;
  line: number;
}

export interface Fragment {
  name: string;
  file: string;
  options: RequestedOption[];
}

const OPTION = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/;
const NOT_SET = /^# CONFIG_([A-Za-z0-9_]+) is not set$/;
const VALUE = /^(?:[ynm]|-?[0-9]+|0x[0-9a-fA-F]+|"(?:[^"\\]|\\.)*")$/;

/** Parses one fragment's text; `file` names it in errors. */
export function parseFragment(text: string, file: string, name = basename(file)): Fragment {
  const options: RequestedOption[] = [];
  const seen = new Map<string, number>();
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    let match = NOT_SET.exec(trimmed);
    let value = 'n';
    if (!match) {
      if (trimmed === '' || trimmed.startsWith('#')) return;
      match = OPTION.exec(trimmed);
      if (!match) {
        throw new KernelError('fragment-syntax', `${file}:${line}: expected CONFIG_NAME=VALUE or "# CONFIG_NAME is not set", got: ${trimmed}`);
      }
      value = match[2]!;
      if (!VALUE.test(value)) {
        throw new KernelError(
          'fragment-syntax',
          `${file}:${line}: CONFIG_${match[1]}: value ${value} is not y, n, m, a number or a "quoted string"`,
          value.includes('#') ? 'put comments on a line of their own' : 'strings need double quotes: CONFIG_X="text"',
        );
      }
    }
    const optionName = match[1]!;
    const first = seen.get(optionName);
    if (first !== undefined) {
      throw new KernelError('fragment-syntax', `${file}:${line}: CONFIG_${optionName} is already set on line ${first}`);
    }
    seen.set(optionName, line);
    options.push({ name: optionName, value, file, line });
  });
  return { name, file, options };
}

/**
 * Loads fragments by name from `dir` (kernel-config/ by default). A name that contains a slash
 * is a path to a fragment file of the user's own.
 */
export async function loadFragments(names: readonly string[], dir: string = FRAGMENT_DIR): Promise<Fragment[]> {
  const available = (await readdir(dir).catch(() => [] as string[])).filter((n) => !n.startsWith('.') && !n.endsWith('.md')).sort();
  const unknown = names.filter((n) => !n.includes('/') && !available.includes(n));
  if (unknown.length > 0) {
    throw new KernelError(
      'fragment-unknown',
      `unknown kernel config fragment${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
      `fragments in ${dir}: ${available.join(', ')} (or give a path to a file)`,
    );
  }
  return Promise.all(
    names.map(async (n) => {
      const file = n.includes('/') ? resolve(n) : resolve(dir, n);
      const text = await readFile(file, 'utf8').catch((cause: unknown) => {
        throw new KernelError('fragment-unknown', `${file}: cannot read kernel config fragment`, undefined, { cause });
      });
      return parseFragment(text, file, n);
    }),
  );
}

export interface MergedRequest {
  /** The last word for each option, in first-mention order. */
  options: RequestedOption[];
  /** Options a later fragment set differently from an earlier one (the later one wins). */
  overrides: { earlier: RequestedOption; later: RequestedOption }[];
}

/** Merges fragments in order; a later fragment overrides an earlier one, as merge_config.sh does. */
export function mergeFragments(fragments: readonly Fragment[]): MergedRequest {
  const byName = new Map<string, RequestedOption>();
  const overrides: MergedRequest['overrides'] = [];
  for (const fragment of fragments) {
    for (const option of fragment.options) {
      const earlier = byName.get(option.name);
      if (earlier && earlier.value !== option.value) overrides.push({ earlier, later: option });
      byName.set(option.name, earlier && earlier.value === option.value ? earlier : option);
    }
  }
  return { options: [...byName.values()], overrides };
}
