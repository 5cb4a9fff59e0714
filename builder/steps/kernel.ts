// Step: the kernel — a prebuilt vmlinux named by the recipe (checked as cc-run needs it), or the
// tuned kernel built from kernel-config/ fragments (cached by the kernel builder).
import fs from 'node:fs/promises';
import path from 'node:path';
import { buildKernel } from '../kernel/build.js';
import { GUEST_CMDLINE } from '../../manifest/guest-cmdline.js';
import { checkVmlinux } from '../kernel/vmlinux-check.js';
import type { BuildContext } from './context.js';
import { copyOut, sha256File } from './digest.js';
import { BuildError } from './errors.js';

export async function kernel(ctx: BuildContext): Promise<void> {
  const { recipe } = ctx;
  const staged = path.join(ctx.staging, `${recipe.name}.vmlinux`);
  if (recipe.kernel.vmlinux !== undefined) {
    const file = recipe.kernel.vmlinux;
    const st = await fs.stat(file).catch(() => null);
    if (!st?.isFile()) throw new BuildError('bad-kernel', `kernel.vmlinux: ${file} does not exist`, 'give the path of an uncompressed vmlinux, or drop kernel.vmlinux to build one');
    await checkVmlinux(file);
    await copyOut(file, staged);
    ctx.kernel = { staged, sha256: await sha256File(staged), size: st.size, cached: true };
    ctx.cmdline = [...GUEST_CMDLINE, ...recipe.cmdline];
    return;
  }
  const built = await buildKernel({
    ...(recipe.kernel.fragments ? { fragments: recipe.kernel.fragments } : {}),
    onProgress: (e) => ctx.log(`${e.step}: ${e.message}`),
  });
  await copyOut(built.vmlinuxPath, staged);
  ctx.kernel = { staged, sha256: built.sha256, size: built.size, cached: built.cached, configHash: built.configHash };
  ctx.cmdline = [...GUEST_CMDLINE, ...recipe.cmdline];
}
