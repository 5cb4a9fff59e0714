// The pid of a process that has exited and been reaped: what a build killed mid-write leaves in
// its temp names.
import { spawnSync } from 'node:child_process';

export function deadPid(): number {
  const child = spawnSync('true');
  if (child.pid === undefined || child.status !== 0) throw new Error(`cannot run true: ${String(child.error)}`);
  return child.pid;
}
