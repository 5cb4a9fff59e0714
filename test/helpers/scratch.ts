// Temp folders for tests. Each is removed when the test process exits, whether the tests passed,
// failed or skipped, so a run leaves nothing in $TMPDIR. A folder that still holds a mount (a
// check that died between mount and umount) is left in place, with a warning, rather than
// emptied through the mount.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

process.once('exit', () => {
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '');
  for (const dir of made) {
    const held = mounts.find((m) => m === dir || m.startsWith(`${dir}/`));
    if (held) {
      console.warn(`not removing ${dir}: ${held} is still mounted`);
      continue;
    }
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      console.warn(`cannot remove ${dir}: ${(err as Error).message}`);
    }
  }
});

/** A new empty folder `$TMPDIR/cc-NAME-XXXXXX`, removed at process exit. */
export function scratchDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cc-${name}-`));
  made.push(dir);
  return dir;
}
