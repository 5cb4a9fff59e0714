// make vmlinux with every core, at low priority; the output streams line by line to a progress
// callback and to buildDir/build.log; on failure the compiler's errors are picked out of it.
import { createWriteStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';
import { KernelError } from './error.js';
import type { KernelSource } from './source.js';

export interface CompileProgress {
  /** Objects compiled so far (kbuild's `CC` lines). */
  objects: number;
  line: string;
}

/** Builds buildDir/vmlinux; returns its path. */
export async function compileVmlinux(
  source: KernelSource,
  buildDir: string,
  onLine: (progress: CompileProgress) => void = () => {},
  jobs = availableParallelism(),
): Promise<string> {
  const logPath = join(buildDir, 'build.log');
  const log = createWriteStream(logPath);
  const tail: string[] = [];
  const errors: string[] = [];
  let objects = 0;
  const proc = $`nice -n 10 make -C ${source.dir} O=${buildDir} -j${jobs} vmlinux 2>&1`.nothrow().quiet();
  for await (const line of proc) {
    log.write(line + '\n');
    tail.push(line);
    if (tail.length > 30) tail.shift();
    if (/^\s+CC\s/.test(line)) objects++;
    if (/\b(error|Error \d+|undefined reference|fatal)\b|\*\*\*/.test(line) && errors.length < 40) errors.push(line);
    onLine({ objects, line });
  }
  const { exitCode } = await proc;
  await new Promise((done) => log.end(done));
  if (exitCode !== 0) {
    const shown = errors.length > 0 ? errors : tail;
    throw new KernelError('compile-failed', `make vmlinux failed (exit ${exitCode}):\n${shown.join('\n')}`, `full log: ${logPath}`);
  }
  return join(buildDir, 'vmlinux');
}
