// What gcc and the system headers say C expressions are (sizeof, offsetof, macros): the ground
// truth our hand-written ABI layouts and constants are checked against.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from './scratch.js';

/** Each expression's value, from a program with `prelude` (defines, includes) above its main. */
export function cValues(prelude: readonly string[], exprs: readonly string[]): Record<string, number> {
  const dir = scratchDir('c-values');
  const program = [
    ...prelude, '#include <stdio.h>', '#include <stddef.h>', 'int main(void) {',
    ...exprs.map((e) => `  printf("%llu\\n", (unsigned long long)(${e}));`), '  return 0;', '}',
  ].join('\n');
  writeFileSync(join(dir, 'values.c'), program);
  execFileSync('gcc', ['-o', join(dir, 'values'), join(dir, 'values.c')], { stdio: 'pipe' });
  const values = execFileSync(join(dir, 'values'), { encoding: 'utf8' }).trim().split('\n');
  return Object.fromEntries(exprs.map((e, i) => [e, Number(values[i])]));
}
