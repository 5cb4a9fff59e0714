// Step: the base tree. Debian comes from mmdebstrap (cached tarball), `image:` from a container
// image or rootfs tarball through the `cc-build convert` sources, `scratch` is empty. The
// base is indexed once (paths, symlinks, the text of accounts and unit files) so the later steps
// can edit it without extracting it; the index is cached beside the tarball.
import { Overlay } from '../overlay/overlay.js';
import { indexLayers, type BaseIndex } from '../overlay/base-index.js';
import { RootView } from '../overlay/root-view.js';
import { debianRootfs, debianRootfsSource } from '../sources/debian.js';
import type { BuildContext } from './context.js';
import { openSource } from '../sources/index.js';

export async function base(ctx: BuildContext): Promise<void> {
  const spec = ctx.recipe.base;
  if (spec.kind === 'scratch') return;
  if (spec.kind === 'image') {
    // Read twice (index, then image): layers are reopened from the archive, nothing is extracted.
    const source = await openSource(spec.ref);
    ctx.closeBase = () => source.close();
    for await (const layer of source.layers()) ctx.baseLayers.push(layer);
    const { index, digest } = await indexLayers(source.layers());
    ctx.baseKey = `image:${digest}`;
    ctx.root = new RootView(index, new Overlay(ctx.epoch));
    return;
  }
  const rootfs = await debianRootfs(spec, ctx.cache, ctx.log, ctx.signal);
  const source = debianRootfsSource(rootfs, spec);
  for await (const layer of source.layers()) ctx.baseLayers.push(layer);
  const indexName = `${rootfs.key}.index.json`;
  let index = await ctx.cache.readJson<BaseIndex>('debian', indexName);
  if (!index) {
    ctx.log('indexing the base tree');
    ({ index } = await indexLayers(source.layers()));
    await ctx.cache.writeJson('debian', indexName, index);
  }
  ctx.baseKey = rootfs.key;
  ctx.epoch = rootfs.epoch;
  ctx.root = new RootView(index, new Overlay(rootfs.epoch));
}
