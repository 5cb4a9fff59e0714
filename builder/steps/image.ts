// Step: the ext4 image — the base layers (through the strip filter), then the recipe's overlay,
// written by the image writer. Cached by everything that goes into it: base, filter, overlay
// digest, image settings, timestamp and the writer's own code; a hit is a copy.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheKey } from '../cache/store.js';
import { buildImage } from '../convert.js';
import { BuilderError } from '../errors.js';
import type { BuildContext } from './context.js';
import { copyOut, sha256File } from './digest.js';
import { BuildError } from './errors.js';

/** Images kept in the cache, most recently used first: each is a full copy of an output. */
const IMAGES_KEPT = 8;

/** The image writer's compiled code: a change to it must not reuse images it wrote before. */
async function writerVersion(): Promise<string> {
  const hash = createHash('sha256');
  for (const dir of ['ext4', 'tree', 'tar']) {
    const folder = fileURLToPath(new URL(`../${dir}/`, import.meta.url));
    for (const name of (await fs.readdir(folder)).filter((n) => n.endsWith('.js')).sort()) hash.update(name).update(await fs.readFile(path.join(folder, name)));
  }
  return hash.digest('hex');
}

export async function image(ctx: BuildContext): Promise<void> {
  const { recipe, signal } = ctx;
  const overlay = await ctx.root.overlay.toLayer(`${recipe.name} recipe`);
  const key = cacheKey('image-v1', ctx.baseKey, ctx.stripped, overlay.digest, recipe.image, ctx.epoch, await writerVersion());
  const staged = path.join(ctx.staging, `${recipe.name}.ext4`);
  const meta = await ctx.cache.readJson<{ sha256: string; size: number }>('images', `${key}.json`);
  if (meta && (await ctx.cache.has('images', `${key}.ext4`))) {
    await copyOut(ctx.cache.path('images', `${key}.ext4`), staged);
    await ctx.cache.touch('images', `${key}.ext4`);
    ctx.image = { staged, ...meta, cached: true };
    return;
  }
  await buildImage(staged, { sizeBytes: recipe.image.size, freeBytes: recipe.image.free, epoch: ctx.epoch, label: recipe.image.label, signal }, async (tree) => {
    for (const layer of [...ctx.baseLayers, overlay.layer]) {
      ctx.log(`applying ${layer.name}`);
      await tree.applyLayer(layer, { signal });
    }
  }).catch((e: unknown) => {
    // The writer's hint speaks of cc-build convert's --size; a recipe says image.size.
    if (e instanceof BuilderError && e.kind === 'too-large') {
      throw new BuildError('image-too-small', `image.size: ${e.message}`, 'raise image.size, or leave it out: the image is then sized to fit, plus image.free', { cause: e });
    }
    throw e;
  });
  const st = await fs.stat(staged);
  ctx.image = { staged, sha256: await sha256File(staged), size: st.size, cached: false };
  await ctx.cache.put('images', `${key}.ext4`, (tmp) => copyOut(staged, tmp));
  await ctx.cache.writeJson('images', `${key}.json`, { sha256: ctx.image.sha256, size: ctx.image.size });
  await ctx.cache.prune('images', IMAGES_KEPT);
}
