// Value parsers for the settings table: each takes a YAML node and returns a typed value or fails
// with a message that the walker turns into file:line:col. Each also accepts what dumpRecipe writes,
// so parse → JSON → parse round-trips.
import path from 'node:path';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { formatSize, parseSize } from '../../manifest/size.js';

export interface ValueContext {
  /** The recipe's folder: relative host paths resolve against it. */
  dir: string;
  /** The node's text as written (YAML 1.2 reads `0644` as decimal 644; modes need the digits). */
  raw(node: Node): string;
  /** The failure to throw: `throw cx.fail(…)`. */
  fail(message: string, hint?: string): ValueFailure;
}

export type Parse<T> = (node: Node, cx: ValueContext) => T;

function scalarValue(node: Node, cx: ValueContext, what: string): unknown {
  if (!isScalar(node)) throw cx.fail(`expected ${what}, found a ${isMap(node) ? 'mapping' : 'list'}`);
  return node.value;
}

export function text(pattern?: RegExp, what = 'a string'): Parse<string> {
  return (node, cx) => {
    const value = scalarValue(node, cx, what);
    if (typeof value !== 'string' || value === '') throw cx.fail(`expected ${what}, found ${JSON.stringify(value)}`);
    if (pattern && !pattern.test(value)) throw cx.fail(`${JSON.stringify(value)} is not ${what}`);
    return value;
  };
}

/** Any text, empty included (file content). */
export const content: Parse<string> = (node, cx) => {
  const value = scalarValue(node, cx, 'text');
  if (typeof value !== 'string') throw cx.fail(`expected text, found ${JSON.stringify(value)}`, 'put the content in quotes or after `|`');
  return value;
};

export function oneOf<T extends string>(choices: readonly T[]): Parse<T> {
  return (node, cx) => {
    const value = scalarValue(node, cx, `one of ${choices.join(', ')}`);
    if (!choices.includes(value as T)) throw cx.fail(`${JSON.stringify(value)} is not one of ${choices.join(', ')}`);
    return value as T;
  };
}

export function integer(min: number, max: number): Parse<number> {
  return (node, cx) => {
    const value = scalarValue(node, cx, 'a whole number');
    if (typeof value !== 'number' || !Number.isInteger(value)) throw cx.fail(`expected a whole number, found ${JSON.stringify(value)}`);
    if (value < min || value > max) throw cx.fail(`${value} is out of range ${min}..${max}`);
    return value;
  };
}

export const boolean: Parse<boolean> = (node, cx) => {
  const value = scalarValue(node, cx, 'true or false');
  if (typeof value !== 'boolean') throw cx.fail(`expected true or false, found ${JSON.stringify(value)}`);
  return value;
};

/** Bytes, from a number or `64M`, `1.5G`, `512MiB` (binary units, as QEMU reads them). */
export const size: Parse<number> = (node, cx) => {
  const value = scalarValue(node, cx, 'a size');
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  const bytes = typeof value === 'string' ? parseSize(value) : undefined;
  if (bytes === undefined) throw cx.fail(`${JSON.stringify(value)} is not a size`, 'write a number of bytes or a size such as 64M or 1G');
  return bytes;
};

export { formatSize };

export function list<T>(item: Parse<T>): Parse<T[]> {
  return (node, cx) => {
    if (!isSeq(node)) throw cx.fail('expected a list', 'write items as `- item` lines or `[a, b]`');
    return node.items.map((child) => item(child as Node, { ...cx, fail: failAt(child as Node) }));
  };
}

/** Per-item failures point at the item, not the list: the walker reads the node from the error. */
export class ValueFailure extends Error {
  constructor(
    message: string,
    readonly node: Node | undefined,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function failAt(node: Node | undefined): (message: string, hint?: string) => ValueFailure {
  return (message, hint) => new ValueFailure(message, node, hint);
}

/** A path on the build host; relative paths are taken from the recipe's folder. */
export const hostPath: Parse<string> = (node, cx) => path.resolve(cx.dir, text(undefined, 'a path')(node, cx));

/** A container image as `cc-build convert` takes it; a relative path after the transport starts at the recipe's folder. */
export const imageRef: Parse<string> = (node, cx) => {
  const value = text(/^[a-z][a-z0-9-]*:\S+$/, 'a transport-prefixed image reference such as oci:./layout:latest')(node, cx);
  const colon = value.indexOf(':');
  const spec = value.slice(colon + 1);
  return spec.startsWith('/') ? value : `${value.slice(0, colon)}:${path.resolve(cx.dir, spec)}`;
};

/** A kernel-config/ fragment by name, or a fragment file by path (with a `/`, from the recipe's folder). */
export const fragment: Parse<string> = (node, cx) => {
  const value = text(/^[A-Za-z0-9._/-]+$/, 'a fragment name or path')(node, cx);
  return value.includes('/') ? path.resolve(cx.dir, value) : value;
};

/** An absolute path inside the guest, normalised (`/etc//x/` → `/etc/x`). */
export const guestPath: Parse<string> = (node, cx) => {
  const value = text(undefined, 'an absolute path in the guest')(node, cx);
  if (!value.startsWith('/')) throw cx.fail(`${JSON.stringify(value)} is not an absolute path`, `write it from the guest's root, e.g. /${value}`);
  const normal = path.posix.normalize(value);
  return normal.length > 1 ? normal.replace(/\/$/, '') : normal;
};

/** A permission mode: `0644`, `644`, `0o4755`, written as octal digits. */
export const fileMode: Parse<number> = (node, cx) => {
  if (!isScalar(node)) throw cx.fail('expected a mode such as 0644');
  const digits = (typeof node.value === 'string' ? node.value : cx.raw(node)).replace(/^0o/, '');
  if (!/^[0-7]{3,4}$/.test(digits)) throw cx.fail(`${JSON.stringify(digits)} is not an octal mode`, 'write it as four octal digits in quotes, e.g. "0644"');
  return parseInt(digits, 8);
};

const ACCOUNT = /^(?:[a-z_][a-z0-9_-]*\$?|\d+)$/;

/** `user`, `user:group` or numeric ids; the group defaults to the user's name. */
export const owner: Parse<{ user: string; group: string }> = (node, cx) => {
  const value = scalarValue(node, cx, 'an owner such as root:root');
  const [user, group = user, ...rest] = String(value).split(':');
  if (rest.length > 0 || !ACCOUNT.test(user!) || !ACCOUNT.test(group)) throw cx.fail(`${JSON.stringify(value)} is not an owner`, 'write user:group, by name or number');
  return { user: user!, group };
};

export const accountName: Parse<string> = text(/^[a-z_][a-z0-9_-]{0,31}$/, 'a user or group name (lower case, digits, - and _)');

/** A systemd unit name with its type suffix; templates (`foo@.service`) allowed. */
export const unitName: Parse<string> = (node, cx) => {
  const value = text(undefined, 'a unit name')(node, cx);
  if (!/^[A-Za-z0-9:_.\\@-]+\.(service|socket|target|timer|mount|automount|path|slice|scope|device|swap)$/.test(value)) {
    throw cx.fail(`${JSON.stringify(value)} is not a systemd unit name`, 'unit names end in their type, e.g. nginx.service or multi-user.target');
  }
  return value;
};

/** Unit files written inline: a mapping from unit name to its text. */
export const unitFiles: Parse<Record<string, string>> = (node, cx) => {
  if (!isMap(node)) throw cx.fail('expected a mapping of unit name to unit text', 'write `hello.service: |` followed by the unit file, indented');
  const units: Record<string, string> = {};
  for (const pair of node.items) {
    const name = unitName(pair.key as Node, { ...cx, fail: failAt(pair.key as Node) });
    const body = text(undefined, 'the unit file text')(pair.value as Node, { ...cx, fail: failAt(pair.value as Node) });
    units[name] = body.endsWith('\n') ? body : `${body}\n`;
  }
  return units;
};

/** Extra kernel command-line words, as one string or a list. */
export const cmdline: Parse<string[]> = (node, cx) => {
  if (isSeq(node)) return list(text(/^\S+$/, 'one command-line word'))(node, cx);
  return text(undefined, 'kernel command-line words')(node, cx).split(/\s+/).filter(Boolean);
};
