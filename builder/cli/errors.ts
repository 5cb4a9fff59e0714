// How every cc-build command reports failure: one line (message, then hint), a non-zero exit.
export const EXIT_FAILURE = 1;
export const EXIT_INTERRUPTED = 130;

export function report(err: unknown, debug = false): never {
  const e = err as { message?: string; hint?: string; name?: string; cause?: unknown };
  const aborted = e?.name === 'AbortError' || (e as { kind?: string })?.kind === 'aborted';
  let line = `cc-build: ${aborted ? 'interrupted' : (e?.message ?? String(err))}`;
  if (e?.hint && !aborted) line += ` (${e.hint})`;
  process.stderr.write(line + '\n');
  if (debug) {
    for (let c: unknown = err; c; c = (c as { cause?: unknown }).cause) process.stderr.write(`${(c as Error).stack ?? String(c)}\n`);
  }
  process.exit(aborted ? EXIT_INTERRUPTED : EXIT_FAILURE);
}
