// Merge and olddefconfig, out of tree: tinyconfig, then the requested options appended, then
// olddefconfig fills in every new symbol. Runs in seconds; no compiling.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { $ } from 'zx';
import { applyOptions } from './dotconfig.js';
import { KernelError } from './error.js';
import type { RequestedOption } from './fragments.js';
import type { KernelSource } from './source.js';

async function make(source: KernelSource, buildDir: string, target: string): Promise<void> {
  const out = await $`make -C ${source.dir} O=${buildDir} ${target}`.nothrow().quiet();
  if (out.exitCode !== 0) {
    const detail = (out.stderr || out.stdout).trim().split('\n').slice(-15).join('\n');
    throw new KernelError(
      'config-failed',
      `make ${target} failed in ${source.dir} (O=${buildDir}):\n${detail}`,
      /not clean/.test(detail) ? `the source tree has build outputs: run "make mrproper" in ${source.dir}` : 'is flex, bison and a C compiler installed? (scripts/install-deps.sh)',
    );
  }
}

/** Writes buildDir/.config from tinyconfig plus the options; returns the .config that olddefconfig wrote. */
export async function configure(source: KernelSource, buildDir: string, options: readonly RequestedOption[]): Promise<string> {
  const dotconfig = join(buildDir, '.config');
  await make(source, buildDir, 'tinyconfig');
  await writeFile(dotconfig, applyOptions(await readFile(dotconfig, 'utf8'), options));
  await make(source, buildDir, 'olddefconfig');
  return readFile(dotconfig, 'utf8');
}
