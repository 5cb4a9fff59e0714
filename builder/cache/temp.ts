// The caches write each entry under a temp name beside its final one and rename it into place.
// The temp name carries the writer's pid, so a later run can tell what a killed build left
// behind (its process is gone: kill(pid, 0) fails with ESRCH) from what a running build is still
// writing, and remove only the former. A pid reused since then makes a leftover look alive: it
// stays until that process is gone too, never the other way round.
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

const TEMP_SUFFIX = /\.tmp-(\d+)-[0-9a-f]+$/;
/** include/linux/threads.h: no pid is larger, so a larger number is not a pid we wrote. */
const PID_MAX_LIMIT = 4 * 1024 * 1024;

/** `<final>.tmp-<pid>-<random>`: in the same folder, so the rename that publishes it is atomic. */
export function tempPath(final: string): string {
  return `${final}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Removes the temp files and folders in `dir` whose writer has exited; returns their names. */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = Number(TEMP_SUFFIX.exec(name)?.[1] ?? 0);
    if (pid > 0 && pid <= PID_MAX_LIMIT && !processAlive(pid)) {
      await rm(path.join(dir, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}

/** EPERM (another user's process) counts as alive: only ESRCH proves the writer is gone. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
