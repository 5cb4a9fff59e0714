// The kernel tree tests read Kconfig from: $CC_KERNEL_SOURCE, the lab's extracted copy, or Debian's
// linux-source-6.1 extracted into the cache (once; what cc-build does without --source).
import { existsSync } from 'node:fs';
import { debianSource, type KernelSource, openSource } from '../../../builder/kernel/source.js';

const LAB_COPY = '/var/tmp/kbuild/linux-source-6.1';

export async function kernelSourceForTests(): Promise<KernelSource> {
  const dir = process.env.CC_KERNEL_SOURCE ?? (existsSync(LAB_COPY) ? LAB_COPY : undefined);
  const source = dir ? await openSource(dir) : await debianSource((line) => console.log(`  ${line}`));
  console.log(`  kernel source for tests: ${source.dir} (${source.version})`);
  return source;
}
