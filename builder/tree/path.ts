// Paths inside a tree. Internally a path is a list of "byte string" components (latin1, one code
// unit per byte) so names that are not UTF-8 survive; the public API takes ordinary strings.

const ASCII = /^[\x00-\x7f]*$/;

/** Converts a JavaScript string (UTF-16) to the tree's byte-string form (UTF-8 bytes as latin1). */
export function toBytes(s: string): string {
  return ASCII.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}

/** Converts a byte string back to a JavaScript string (invalid UTF-8 becomes U+FFFD). */
export function fromBytes(s: string): string {
  return ASCII.test(s) ? s : Buffer.from(s, 'latin1').toString('utf8');
}

/**
 * Splits a path into components, kept inside the root: leading `/` and `./` are dropped, `.` is
 * ignored and `..` never climbs above the root (as an overlay or `tar -P`-less extraction would).
 */
export function splitPath(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out;
}

export function joinPath(parts: readonly string[]): string {
  return '/' + parts.join('/');
}
