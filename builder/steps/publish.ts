// Step: move the staged outputs into the output folder, the manifest last: a reader that finds
// NAME.json finds the image and kernel it names. Earlier outputs stay until this step.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BuildContext } from './context.js';

export async function publish(ctx: BuildContext): Promise<void> {
  const name = ctx.recipe.name;
  for (const file of [`${name}.ext4`, `${name}.vmlinux`, `${name}.json`]) {
    const staged = path.join(ctx.staging, file);
    if (await fs.stat(staged).catch(() => null)) await fs.rename(staged, path.join(ctx.outDir, file));
  }
}
