// Recipe YAML → validated, defaulted, deep-frozen Recipe. The walk follows the settings table:
// any key it does not know is an error with the nearest known name, and every error carries the
// file, line and column of the node it is about.
import fs from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { RecipeError, type RecipeErrorKind } from './errors.js';
import { SETTINGS, SETTINGS_BY_KEY, UNION_KEYS, type Setting } from './settings.js';
import { closest } from './suggest.js';
import type { BaseSpec, Recipe } from './types.js';
import { ValueFailure, failAt, type ValueContext } from './values.js';

type Obj = Record<string, unknown>;

/** Reads and validates a recipe file. */
export async function readRecipe(file: string): Promise<Recipe> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await fs.readFile(absolute, 'utf8');
  } catch (cause) {
    throw new RecipeError('read', { file }, `cannot read the recipe: ${(cause as NodeJS.ErrnoException).code ?? cause}`, {
      hint: 'give the path to a .yaml recipe, e.g. recipes/minimal.yaml',
      cause,
    });
  }
  return parseRecipe(text, absolute, file);
}

/** Validates recipe text; `file` is where relative paths start, `shownAs` how errors name it. */
export function parseRecipe(text: string, file: string, shownAs = file): Recipe {
  return new RecipeWalk(text, path.resolve(file), shownAs).run();
}

const camel = (key: string) => key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Child key names (as written) under each prefix of the table; `files[]` is the item of `files`. */
const CHILDREN: ReadonlyMap<string, ReadonlySet<string>> = (() => {
  const children = new Map<string, Set<string>>();
  for (const { key } of SETTINGS) {
    const parts = key.split('.');
    for (let i = 0; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('.');
      if (!children.has(prefix)) children.set(prefix, new Set());
      children.get(prefix)!.add(parts[i]!.replace(/\[\]$/, ''));
    }
  }
  return children;
})();

const isListOfMappings = (key: string) => CHILDREN.has(`${key}[]`);

class RecipeWalk {
  private readonly lines = new LineCounter();
  private readonly nodes = new Map<unknown, Node>();
  private readonly dir: string;

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly shownAs: string,
  ) {
    this.dir = path.dirname(file);
  }

  run(): Recipe {
    const doc = parseDocument(this.text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    const syntax = doc.errors[0];
    if (syntax) {
      const { line, col } = this.lines.linePos(syntax.pos[0]);
      throw new RecipeError('syntax', { file: this.shownAs, line, col }, syntax.message.split('\n')[0]!, { hint: 'check the indentation: entries of one list or mapping start in the same column' });
    }
    if (!doc.contents || !isMap(doc.contents)) {
      throw this.error('invalid-value', doc.contents ?? undefined, 'a recipe is a mapping of settings', 'start with `name:` and `base:` lines');
    }
    const root: Obj = {};
    this.walkMap(doc.contents, '', root);
    this.fillDefaults(root);
    return deepFreeze(this.toRecipe(root));
  }

  private walkMap(map: YAMLMap, prefix: string, target: Obj): void {
    this.nodes.set(target, map);
    for (const pair of map.items) {
      const keyNode = pair.key as Node;
      if (!isScalar(keyNode) || typeof keyNode.value !== 'string') throw this.error('invalid-value', keyNode, 'setting names are plain words');
      const name = keyNode.value;
      const key = prefix ? `${prefix}.${name}` : name;
      const value = (pair.value ?? undefined) as Node | undefined;
      if (CHILDREN.has(key) && !SETTINGS_BY_KEY.has(key) && (value === undefined || (isScalar(value) && value.value === null))) {
        // `debian:` with nothing under it: a section with all its defaults.
        target[camel(name)] = {};
        this.nodes.set(target[camel(name)], keyNode);
        continue;
      }
      if (value === undefined || (isScalar(value) && value.value === null)) {
        throw this.error('invalid-value', keyNode, `${key} has no value`, 'remove the line or give it a value');
      }
      if (isListOfMappings(key)) {
        if (!isSeq(value)) throw this.error('invalid-value', value, `${key} is a list`, `write each entry as \`- ${[...CHILDREN.get(`${key}[]`)!][0]}: …\``);
        target[camel(name)] = value.items.map((item) => {
          if (!isMap(item)) throw this.error('invalid-value', item as Node, `each entry of ${key} is a mapping`);
          const obj: Obj = {};
          this.walkMap(item, `${key}[]`, obj);
          return obj;
        });
      } else if (CHILDREN.has(key) && isMap(value)) {
        const obj: Obj = {};
        this.walkMap(value, key, obj);
        target[camel(name)] = obj;
      } else if (SETTINGS_BY_KEY.has(key)) {
        target[camel(name)] = this.parseValue(SETTINGS_BY_KEY.get(key)!, value);
      } else if (CHILDREN.has(key)) {
        throw this.error('invalid-value', value, `${key} is a mapping`, `it takes ${[...CHILDREN.get(key)!].join(', ')}`);
      } else {
        const known = CHILDREN.get(prefix) ?? new Set<string>();
        const guess = closest(name, known);
        const where = prefix ? ` in ${prefix.replace(/\[\]/g, '')}` : '';
        throw this.error('unknown-key', keyNode, `unknown setting "${name}"${where}`, guess ? `did you mean "${guess}"?` : `known here: ${[...known].join(', ')}`);
      }
    }
  }

  private parseValue(s: Setting, node: Node): unknown {
    const cx: ValueContext = { dir: this.dir, raw: (n) => this.rawText(n), fail: failAt(node) };
    try {
      return s.parse(node, cx);
    } catch (e) {
      if (e instanceof ValueFailure) throw this.error('invalid-value', e.node ?? node, `${s.key.replace(/\[\]/g, '')}: ${e.message}`, e.hint);
      throw e;
    }
  }

  /** Walks the table in order so that later defaults (label) can use earlier ones (name). */
  private fillDefaults(root: Obj): void {
    for (const s of SETTINGS) {
      const parts = s.key.split('.');
      for (const parent of this.parents(root, parts.slice(0, -1), '')) {
        const leaf = camel(parts[parts.length - 1]!);
        if (parent[leaf] !== undefined) continue;
        if (s.required) {
          const where = parts.length > 1 ? ` in this ${parts[0]!.replace(/\[\]/, '')} entry` : '';
          throw this.error('missing', this.nodes.get(parent), `${s.key.replace(/\[\]/g, '')} is required${where}`, s.help);
        }
        if (s.default !== undefined) {
          parent[leaf] = typeof s.default === 'function' ? (s.default as (cx: unknown) => unknown)({ file: this.file, parent, root }) : structuredClone(s.default);
        }
      }
    }
  }

  /** The objects at a table path: every item of a list, created for plain sections, skipped under unions. */
  private *parents(obj: Obj, parts: string[], prefix: string): Generator<Obj> {
    if (parts.length === 0) {
      yield obj;
      return;
    }
    const [head, ...rest] = parts as [string, ...string[]];
    const name = head.replace(/\[\]$/, '');
    const key = prefix ? `${prefix}.${name}` : name;
    const child = obj[camel(name)];
    if (head.endsWith('[]')) {
      for (const item of (child as Obj[] | undefined) ?? []) yield* this.parents(item, rest, `${key}[]`);
    } else if (typeof child === 'object' && child !== null) {
      yield* this.parents(child as Obj, rest, key);
    } else if (child === undefined && !UNION_KEYS.has(key)) {
      obj[camel(name)] = {};
      yield* this.parents(obj[camel(name)] as Obj, rest, key);
    }
  }

  private toRecipe(root: Obj): Recipe {
    const r = root as unknown as Omit<Recipe, 'base' | 'file'> & { base: string | Obj };
    const files = (root['files'] as Obj[] | undefined) ?? [];
    for (const f of files) {
      if ((f['source'] === undefined) === (f['content'] === undefined)) {
        throw this.error('conflict', this.nodes.get(f), `files entry ${String(f['path'])} needs exactly one of source and content`, 'source: copies a file from beside the recipe; content: writes the text given');
      }
    }
    this.unique(files, 'path', 'files');
    this.unique((root['users'] as Obj[] | undefined) ?? [], 'name', 'users');
    this.unique((root['groups'] as Obj[] | undefined) ?? [], 'name', 'groups');
    this.exclusive(root['image'] as Obj, 'size', 'free', 'image');
    this.exclusive(root['kernel'] as Obj, 'fragments', 'vmlinux', 'kernel');
    return { ...r, file: this.file, base: this.toBase(r.base), users: r.users ?? [], groups: r.groups ?? [], files: r.files ?? [] } as Recipe;
  }

  private toBase(base: string | Obj): BaseSpec {
    if (base === 'scratch') return { kind: 'scratch' };
    const forms = Object.keys(base as Obj);
    if (forms.length !== 1) {
      throw this.error('conflict', this.nodes.get(base), forms.length ? `base takes one of debian, image; found ${forms.join(' and ')}` : 'base is empty', 'write `base: scratch`, `base: {debian: {suite: bookworm}}` or `base: {image: oci:DIR:TAG}`');
    }
    const b = base as { debian?: Obj; image?: string };
    if (b.image !== undefined) return { kind: 'image', ref: b.image };
    return { kind: 'debian', ...(b.debian as Omit<Extract<BaseSpec, { kind: 'debian' }>, 'kind'>) };
  }

  private unique(items: Obj[], field: string, list: string): void {
    const seen = new Set<unknown>();
    for (const item of items) {
      if (seen.has(item[field])) throw this.error('conflict', this.nodes.get(item), `${list}: ${String(item[field])} appears twice`);
      seen.add(item[field]);
    }
  }

  private exclusive(section: Obj | undefined, a: string, b: string, name: string): void {
    if (section?.[a] !== undefined && section[b] !== undefined) {
      throw this.error('conflict', this.nodes.get(section), `${name}: ${a} and ${b} exclude each other`, `keep one of ${name}.${a} and ${name}.${b}`);
    }
  }

  private rawText(node: Node): string {
    return node.range ? this.text.slice(node.range[0], node.range[1]).trim() : '';
  }

  private error(kind: RecipeErrorKind, node: Node | undefined, message: string, hint?: string): RecipeError {
    const at = node?.range ? this.lines.linePos(node.range[0]) : undefined;
    return new RecipeError(kind, { file: this.shownAs, line: at?.line, col: at?.col }, message, hint === undefined ? {} : { hint });
  }
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
