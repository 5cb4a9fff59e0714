// Recipe → the user-facing form with every default written out (`cc-build RECIPE --print-config`).
// JSON is YAML, so the dump parses back to an equal Recipe.
import { SETTINGS } from './settings.js';
import type { Recipe } from './types.js';

type Obj = Record<string, unknown>;

const camel = (key: string) => key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function dumpRecipe(recipe: Recipe): Obj {
  const source: Obj = { ...recipe, base: baseForm(recipe) };
  const out: Obj = {};
  for (const s of SETTINGS) {
    if (s.key === 'base') continue; // written whole by baseForm
    copy(source, out, s.key.split('.'), s.dump ?? ((x) => x));
  }
  return out;
}

function baseForm(recipe: Recipe): unknown {
  const { kind, ...rest } = recipe.base;
  if (kind === 'scratch') return 'scratch';
  if (kind === 'image') return { image: (rest as { ref: string }).ref };
  return { debian: rest };
}

/** Copies one setting from the camelCase Recipe to the kebab-case dump, through list items. */
function copy(from: Obj, to: Obj, parts: string[], dump: (v: never) => unknown): void {
  const [head, ...rest] = parts as [string, ...string[]];
  const name = head.replace(/\[\]$/, '');
  const value = from[camel(name)];
  if (value === undefined || (typeof value === 'string' && rest.length > 0)) return;
  if (rest.length === 0) {
    to[name] = dump(value as never);
  } else if (head.endsWith('[]')) {
    const items = (value as Obj[]).map((_, i) => ((to[name] as Obj[] | undefined)?.[i] ?? {}) as Obj);
    (value as Obj[]).forEach((item, i) => copy(item, items[i]!, rest, dump));
    if (items.length > 0) to[name] = items;
  } else {
    const section = (to[name] ?? {}) as Obj;
    copy(value as Obj, section, rest, dump);
    if (Object.keys(section).length > 0) to[name] = section;
  }
}
