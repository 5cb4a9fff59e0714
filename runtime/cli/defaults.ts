// What cc-run boots with when flags do not say: the BuildManifest cc-build writes beside the image
// (IMAGE without its extension + .json), else built-in defaults.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, parse, resolve } from 'node:path';
import type { BuildManifest } from '../../manifest/image-manifest.js';
import { parseSize } from '../../manifest/size.js';
import { ConfigError } from '../vmm/errors.js';

export const DEFAULT_MEMORY = '256M';
export const DEFAULT_CPUS = 1;

export function manifestPathFor(imagePath: string): string {
  const p = parse(imagePath);
  return join(p.dir, `${p.name}.json`);
}

export function readManifest(imagePath: string): { manifest: BuildManifest; path: string } | undefined {
  const path = manifestPathFor(imagePath);
  if (!existsSync(path)) return undefined;
  let manifest: BuildManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as BuildManifest;
  } catch (e) {
    throw new ConfigError('no-image', `${path}: not a readable build manifest: ${(e as Error).message}`, undefined, { cause: e });
  }
  if (manifest.schema !== 'cc.build.v1') {
    throw new ConfigError('no-image', `${path}: unknown manifest schema ${JSON.stringify(manifest.schema)}`);
  }
  return { manifest, path };
}

/** A path from the manifest, relative to the manifest's folder. */
export function manifestRelative(manifestPath: string, p: string): string {
  return resolve(dirname(manifestPath), p);
}

/**
 * Drops `pci=off`: Linux inserts e820 persistent-memory ranges (our /dev/pmem0) only in its PCI
 * resource survey (arch/x86/pci/i386.c, e820__reserve_resources_late), so with PCI off the root
 * device never appears. Returns the command line and a warning when something was dropped.
 */
export function withoutPciOff(cmdline: string): { cmdline: string; warning?: string } {
  const words = cmdline.split(/\s+/).filter(Boolean);
  const kept = words.filter((w) => w !== 'pci=off');
  if (kept.length === words.length) return { cmdline };
  return {
    cmdline: kept.join(' '),
    warning: 'dropped pci=off from the kernel command line: with it Linux never registers the e820 pmem region, so /dev/pmem0 would not exist',
  };
}

/** What a run boots: the flags first, then the build manifest's defaults, then ours. */
export interface MachineFlags {
  kernel?: string;
  cpus?: number | string;
  memory?: string;
  timeout?: number | string;
}

export interface Machine {
  kernel: string;
  cpus: number;
  memory: number;
  timeout?: number;
}

/**
 * Checks the flags and fills what they leave out from `manifest` (kernel given as a path already
 * resolved against it). `noKernel` is the message when neither names a kernel.
 */
export function resolveMachine(flags: MachineFlags, manifest: { defaults?: BuildManifest['defaults']; kernel?: string } | undefined, noKernel: string): Machine {
  const kernel = flags.kernel ?? manifest?.kernel;
  if (!kernel) throw new ConfigError('no-kernel', noKernel, 'pass --kernel path/to/vmlinux');
  if (!existsSync(kernel)) throw new ConfigError('no-kernel', `${kernel}: no such kernel`);
  const cpus = Number(flags.cpus ?? manifest?.defaults?.cpus ?? DEFAULT_CPUS);
  if (!Number.isInteger(cpus) || cpus < 1) throw new ConfigError('bad-cpus', `--cpus ${flags.cpus}: not a positive whole number`);
  const memoryText = flags.memory ?? manifest?.defaults?.memory ?? DEFAULT_MEMORY;
  const memory = parseSize(memoryText);
  if (!memory) throw new ConfigError('bad-size', `--memory ${memoryText}: not a size`, 'write it like 256M or 1G');
  const timeout = flags.timeout === undefined ? undefined : Number(flags.timeout);
  if (timeout !== undefined && !(timeout > 0)) throw new ConfigError('bad-size', `--timeout ${flags.timeout}: not a positive number of seconds`);
  return { kernel, cpus, memory, ...(timeout !== undefined ? { timeout } : {}) };
}

/**
 * Where vCPU 0 runs: the main thread (default), or a Worker with CC_RUN_VCPU0=worker, the former
 * layout, kept for comparison in benchmarks (scripts/bench-boot.ts).
 */
export function vcpu0Thread(env: NodeJS.ProcessEnv = process.env): 'main' | 'worker' {
  return env.CC_RUN_VCPU0 === 'worker' ? 'worker' : 'main';
}
