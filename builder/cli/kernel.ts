// cc-build kernel: build (or fetch from the cache) the tuned guest vmlinux from kernel-config/ fragments.
import { copyFile, rename, rm } from 'node:fs/promises';
import { dirname, join, basename, resolve } from 'node:path';
import type { CAC } from 'cac';
import { buildKernel } from '../kernel/build.js';
import { KernelError } from '../kernel/error.js';
import { DEFAULT_FRAGMENTS } from '../kernel/fragments.js';

interface KernelFlags {
  fragments?: string;
  source?: string;
  output?: string;
  jobs?: number;
  json?: boolean;
}

export function registerKernelCommand(cli: CAC): void {
  cli
    .command('kernel', 'Build the guest vmlinux from Kconfig fragments (cached)')
    .option('--fragments <list>', `Comma-separated fragment names in kernel-config/ or paths (default: ${DEFAULT_FRAGMENTS.join(',')})`)
    .option('--source <dir>', "Kernel source tree (default: Debian's linux-source-6.1, extracted into the cache)")
    .option('-o, --output <file>', 'Where to write the vmlinux', { default: 'vmlinux' })
    .option('-j, --jobs <n>', 'Parallel make jobs (default: all cores)')
    .option('--json', 'Print the result as JSON (path, size, config hash, cmdline)')
    .example('cc-build kernel -o out/vmlinux')
    .example('cc-build kernel --fragments base,console,virtio,pmem-dax -o small.vmlinux')
    .example('cc-build kernel --source ~/src/linux-6.1 --fragments base,console,./my.config -o vmlinux --json')
    .action(async (flags: KernelFlags) => {
      try {
        await runKernel(flags);
      } catch (error) {
        if (!(error instanceof KernelError)) throw error;
        process.stderr.write(`cc-build kernel: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}\n`);
        process.exitCode = 1;
      }
    });
}

async function runKernel(flags: KernelFlags): Promise<void> {
  const fragments = flags.fragments ? flags.fragments.split(',').map((f) => f.trim()).filter(Boolean) : undefined;
  const renderer = flags.json ? 'silent' : process.stdout.isTTY ? 'default' : 'simple';
  const result = await buildKernel(
    { ...(fragments ? { fragments } : {}), ...(flags.source ? { source: flags.source } : {}), ...(flags.jobs ? { jobs: Number(flags.jobs) } : {}) },
    renderer,
  );
  const output = resolve(flags.output ?? 'vmlinux');
  const tmp = join(dirname(output), `.${basename(output)}.tmp-${process.pid}`);
  try {
    await copyFile(result.vmlinuxPath, tmp);
    await rename(tmp, output);
  } catch (cause) {
    await rm(tmp, { force: true });
    throw new KernelError('cache', `${output}: cannot write the vmlinux`, 'does the folder exist and is it writable?', { cause });
  }
  if (flags.json) {
    process.stdout.write(JSON.stringify({ vmlinux: output, ...result }, null, 2) + '\n');
  } else {
    process.stdout.write(
      `${output}: ${(result.size / 1e6).toFixed(1)} MB, config ${result.configHash.slice(0, 12)}${result.cached ? ' (cached)' : ''}\ncmdline: ${result.cmdline}\n`,
    );
  }
}
