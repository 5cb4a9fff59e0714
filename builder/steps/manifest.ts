// Step: NAME.json beside the image and kernel — what cc-run needs to boot them (manifest/).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BuildManifest } from '../../manifest/image-manifest.js';
import { formatSize } from '../recipe/values.js';
import type { BuildContext } from './context.js';

export function manifestOf(ctx: BuildContext): BuildManifest {
  const { recipe, image, kernel } = ctx;
  return {
    schema: 'cc.build.v1',
    name: recipe.name,
    // Paths relative to the manifest: the outputs move together.
    ...(image ? { image: { path: path.basename(image.staged), sha256: image.sha256, size: image.size } } : {}),
    ...(kernel ? { kernel: { path: path.basename(kernel.staged), sha256: kernel.sha256, size: kernel.size, ...(kernel.configHash ? { configHash: kernel.configHash } : {}) } } : {}),
    cmdline: ctx.cmdline.join(' '),
    defaults: { memory: formatSize(recipe.memory), cpus: recipe.cpus },
    recipeSha256: ctx.recipeSha256,
  };
}

export async function manifest(ctx: BuildContext): Promise<void> {
  await fs.writeFile(path.join(ctx.staging, `${ctx.recipe.name}.json`), JSON.stringify(manifestOf(ctx), null, 2) + '\n');
}
