// The kernel build, one readable pipeline: fragments → cache lookup → source → merged and verified
// .config → make vmlinux → vmlinux check → cache. Each step is a listr2 task, so the CLI shows
// progress and the recipe builder can nest the same tasks in its own list.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Listr, type ListrTask } from 'listr2';
import { cacheKey, type CachedKernel, lookup, lookupRequest, publish, rememberRequest, requestKey, sha256 } from './cache.js';
import { defaultCacheDir } from '../cache/store.js';
import { guestCmdline } from '../../manifest/guest-cmdline.js';
import { compileVmlinux } from './compile.js';
import { configure } from './configure.js';
import { parseDotConfig } from './dotconfig.js';
import { KernelError } from './error.js';
import { DEFAULT_FRAGMENTS, loadFragments, type MergedRequest, mergeFragments } from './fragments.js';
import { readKconfig } from './kconfig.js';
import { debianSource, type KernelSource, openSource, sourceIdentity } from './source.js';
import { toolchainVersion } from './toolchain.js';
import { formatUnmet, verifyConfig } from './verify.js';
import { checkVmlinux } from './vmlinux-check.js';

export interface BuildKernelOptions {
  /** Fragment names in kernel-config/ (or paths), merged in order. Default: DEFAULT_FRAGMENTS. */
  fragments?: readonly string[];
  /** Where fragment names are looked up (default: the package's kernel-config/). */
  fragmentDir?: string;
  /** A kernel source tree; default: Debian's linux-source-6.1, extracted into the cache. */
  source?: string;
  /** make -j; default: all cores. */
  jobs?: number;
  /** Called with each step's progress (make's output line by line while compiling). */
  onProgress?: (event: { step: string; message: string }) => void;
  /** How often the folded make output line is refreshed (a log-style renderer wants it rarely). */
  progressIntervalMs?: number;
}

export interface KernelBuild {
  vmlinuxPath: string;
  configPath: string;
  /** sha256 of the merged .config. */
  configHash: string;
  /** The cache entry's key (source version + .config + compiler). */
  key: string;
  /** The command line cc-run boots it with (manifest/guest-cmdline.ts; not part of the kernel). */
  cmdline: string;
  /** True when nothing was compiled: an earlier build's result was reused. */
  cached: boolean;
  size: number;
  sha256: string;
  pvhEntry: number;
  /** The cache folder holding vmlinux, config and meta.json. */
  dir: string;
}

/** State shared by the tasks; `result` is set once the kernel is built or found. */
export interface KernelBuildContext {
  fragments: string[];
  request?: MergedRequest;
  toolchain?: string;
  requestKey?: string;
  source?: KernelSource;
  buildDir?: string;
  config?: string;
  key?: string;
  vmlinux?: string;
  pvhEntry?: number;
  startedAt?: number;
  result?: CachedKernel;
  cached: boolean;
  release?: () => Promise<void>;
}

/**
 * The build as listr2 tasks over a shared context; `buildKernel` runs them. To nest them:
 * `const ctx = newContext(fragments); task.newListr(kernelTasks(opts), { ctx })`, then `resultOf(ctx)`
 * (and `await ctx.release?.()` if they failed, which drops the build-folder lock early).
 */
export function kernelTasks(options: BuildKernelOptions): ListrTask<KernelBuildContext>[] {
  const report = (step: string) => (message: string) => options.onProgress?.({ step, message });
  const done = (c: KernelBuildContext): boolean => c.result !== undefined;
  return [
    {
      title: 'Read kernel config fragments',
      task: async (c, task) => {
        c.request = mergeFragments(await loadFragments(c.fragments, options.fragmentDir));
        task.title = `Read kernel config fragments: ${c.fragments.join(', ')} (${c.request.options.length} options)`;
        for (const o of c.request.overrides) {
          report('fragments')(`CONFIG_${o.later.name}=${o.later.value} (${o.later.file}:${o.later.line}) overrides ${o.earlier.value} (${o.earlier.file}:${o.earlier.line})`);
        }
      },
    },
    {
      title: 'Look up the kernel cache',
      task: async (c, task) => {
        c.toolchain = await toolchainVersion();
        c.requestKey = requestKey({
          sourceIdentity: await sourceIdentity(options.source),
          compiler: c.toolchain,
          options: c.request!.options,
        });
        const hit = await lookupRequest(c.requestKey);
        if (hit) {
          c.result = hit;
          c.cached = true;
          task.title = `Kernel found in the cache: ${hit.dir}`;
        }
      },
    },
    {
      title: 'Prepare the kernel source',
      skip: done,
      task: async (c, task) => {
        c.source = options.source ? await openSource(options.source) : await debianSource(report('source'));
        task.title = `Kernel source ${c.source.version}: ${c.source.dir}`;
      },
    },
    {
      title: 'Merge fragments onto tinyconfig, olddefconfig, verify',
      skip: done,
      task: async (c, task) => {
        const source = c.source!;
        c.buildDir = join(defaultCacheDir(), 'kernel-build', `${source.version}-${sha256(source.dir).slice(0, 12)}`);
        c.release = await lockBuildDir(c.buildDir, (m) => (task.output = m));
        c.config = await configure(source, c.buildDir, c.request!.options);
        const unmet = verifyConfig(c.request!.options, parseDotConfig(c.config), readKconfig(source.dir));
        if (unmet.length > 0) {
          throw new KernelError(
            'config-unsatisfied',
            `${unmet.length} requested kernel option${unmet.length > 1 ? 's were' : ' was'} not set as asked after olddefconfig:\n${formatUnmet(unmet)}`,
            'add the missing dependencies to a fragment, or drop options that cannot be set',
          );
        }
        c.key = cacheKey({ sourceVersion: source.version, config: c.config, compiler: c.toolchain! });
        const hit = await lookup(c.key);
        if (hit) {
          c.result = hit;
          c.cached = true;
          await rememberRequest(c.requestKey!, c.key);
          await c.release();
          c.release = undefined;
        }
        task.title = `Kernel config verified: every requested option set (${c.key})`;
      },
    },
    {
      title: 'Compile vmlinux',
      skip: done,
      task: async (c, task) => {
        c.startedAt = Date.now();
        let shown = 0;
        c.vmlinux = await compileVmlinux(
          c.source!,
          c.buildDir!,
          ({ objects, line }) => {
            report('compile')(line);
            if (Date.now() - shown > (options.progressIntervalMs ?? 250)) {
              shown = Date.now();
              task.output = `${objects} objects · ${line.trim()}`;
            }
          },
          options.jobs,
        );
        task.title = `Compiled vmlinux in ${Math.round((Date.now() - c.startedAt) / 1000)} s`;
      },
      rendererOptions: { outputBar: 1, persistentOutput: false },
    },
    {
      title: 'Check the PVH note and PT_LOAD alignment',
      skip: done,
      task: async (c) => {
        c.pvhEntry = (await checkVmlinux(c.vmlinux!)).pvhEntry;
      },
    },
    {
      title: 'Store the kernel in the cache',
      skip: done,
      task: async (c, task) => {
        const image = await readFile(c.vmlinux!);
        const configPath = join(c.buildDir!, '.config');
        c.result = await publish(
          { vmlinux: c.vmlinux!, config: configPath },
          {
            schema: 'cc.kernel.v1',
            key: c.key!,
            configHash: sha256(c.config!),
            sourceVersion: c.source!.version,
            compiler: c.toolchain!,
            fragments: c.fragments,
            size: image.length,
            sha256: sha256(image),
            pvhEntry: c.pvhEntry!,
            buildSeconds: Math.round((Date.now() - c.startedAt!) / 1000),
            builtAt: new Date().toISOString(),
          },
        );
        await rememberRequest(c.requestKey!, c.key!);
        await c.release?.();
        c.release = undefined;
        task.title = `Stored in the cache: ${c.result.dir}`;
      },
    },
  ];
}

export function newContext(fragments: readonly string[] = DEFAULT_FRAGMENTS): KernelBuildContext {
  return { fragments: [...fragments], cached: false };
}

/**
 * Builds (or finds in the cache) the guest vmlinux for a set of fragments.
 * `renderer` is listr2's: 'silent' for library callers, 'default' or 'simple' for a CLI.
 */
export async function buildKernel(
  options: BuildKernelOptions = {},
  renderer: 'default' | 'simple' | 'silent' = 'silent',
): Promise<KernelBuild> {
  const ctx = newContext(options.fragments);
  try {
    // listr2 types the renderer statically; the three names share one option shape here.
    const interval = options.progressIntervalMs ?? (renderer === 'simple' ? 15_000 : 250);
    // The caller reports the error once; the task list only marks the step that failed.
    await new Listr<KernelBuildContext>(kernelTasks({ ...options, progressIntervalMs: interval }), {
      ctx,
      renderer: renderer as 'default',
      fallbackRenderer: 'simple',
      exitOnError: true,
      rendererOptions: { showErrorMessage: false },
    }).run();
  } finally {
    await ctx.release?.();
  }
  return resultOf(ctx);
}

/** The outcome of a finished run of `kernelTasks` (for callers that nest the tasks in their own list). */
export function resultOf(ctx: KernelBuildContext): KernelBuild {
  if (!ctx.result) throw new KernelError('cache', 'the kernel tasks have not finished');
  const { meta } = ctx.result;
  return {
    vmlinuxPath: ctx.result.vmlinuxPath,
    configPath: ctx.result.configPath,
    configHash: meta.configHash,
    key: meta.key,
    cmdline: guestCmdline(),
    cached: ctx.cached,
    size: meta.size,
    sha256: meta.sha256,
    pvhEntry: meta.pvhEntry,
    dir: ctx.result.dir,
  };
}

/** One build at a time per build folder: a lock folder holding the owner's pid; stale locks are taken over. */
async function lockBuildDir(buildDir: string, wait: (message: string) => void): Promise<() => Promise<void>> {
  await mkdir(buildDir, { recursive: true });
  const lock = `${buildDir}.lock`;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      return () => rm(lock, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => '0'));
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      // Ours (an earlier build in this process that failed) or its owner is gone: take it over.
      if (pid === process.pid || (pid > 0 && !isAlive(pid)) || (pid === 0 && age > 10_000) || !existsSync(lock)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      wait(`waiting for another build in ${buildDir} (pid ${pid})`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
