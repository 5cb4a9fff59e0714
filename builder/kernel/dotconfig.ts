// The .config file: what Kconfig reads and writes. Values keep their .config spelling.
import type { RequestedOption } from './fragments.js';

/** Symbol name (without CONFIG_) to value; `# CONFIG_X is not set` reads as `n`. */
export type DotConfig = Map<string, string>;

const SET = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/;
const NOT_SET = /^# CONFIG_([A-Za-z0-9_]+) is not set$/;

export function parseDotConfig(text: string): DotConfig {
  const config: DotConfig = new Map();
  for (const line of text.split('\n')) {
    const set = SET.exec(line);
    if (set) config.set(set[1]!, set[2]!);
    const notSet = NOT_SET.exec(line);
    if (notSet) config.set(notSet[1]!, 'n');
  }
  return config;
}

/** The value a symbol has in a .config: absent symbols are `n` (Kconfig writes no line for invisible ones). */
export function valueOf(config: DotConfig, name: string): string {
  return config.get(name) ?? 'n';
}

/**
 * Applies requested options onto a .config the way merge_config.sh does: each option's old line goes,
 * the requested lines are appended (a later `=y` in a choice wins over the base config's member).
 */
export function applyOptions(text: string, options: readonly RequestedOption[]): string {
  const names = new Set(options.map((o) => o.name));
  const kept = text.split('\n').filter((line) => {
    const match = SET.exec(line) ?? NOT_SET.exec(line);
    return !(match && names.has(match[1]!));
  });
  while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
  const added = options.map((o) => (o.value === 'n' ? `# CONFIG_${o.name} is not set` : `CONFIG_${o.name}=${o.value}`));
  return [...kept, '# cc-build kernel fragments', ...added, ''].join('\n');
}

/** Whether a .config value satisfies a request: numbers compare by value, `m` is met by `y`. */
export function satisfies(requested: string, actual: string): boolean {
  if (requested === actual) return true;
  // Without modules Kconfig promotes m to y.
  if (requested === 'm' && actual === 'y') return true;
  if (/^(-?[0-9]+|0x[0-9a-fA-F]+)$/.test(requested) && /^(-?[0-9]+|0x[0-9a-fA-F]+)$/.test(actual)) {
    return BigInt(requested) === BigInt(actual);
  }
  return false;
}
