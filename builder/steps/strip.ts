// Step: leave out what a guest never reads — documentation, man and info pages, translations
// and the udev hardware database (~50 MB of a bookworm base). Done as a path filter on the base
// layers while they stream into the image, so the cached base tarball serves both settings.
import type { BuildContext } from './context.js';

/** Tar path prefixes (without the leading `./`) whose contents are dropped; the folders stay. */
export const STRIPPED_PATHS: readonly string[] = [
  'usr/share/doc/',
  'usr/share/man/',
  'usr/share/info/',
  'usr/share/locale/',
  'usr/share/lintian/',
  // udev's hardware database: names for USB/PCI ids and input quirks, nothing a VM's devices use.
  'usr/lib/udev/hwdb.d/',
  'usr/lib/udev/hwdb.bin',
  'etc/udev/hwdb.bin',
];

export function isStripped(tarPath: string): boolean {
  const p = tarPath.replace(/^\.?\/+/, '');
  return STRIPPED_PATHS.some((prefix) => p.startsWith(prefix) && p !== prefix);
}

export async function strip(ctx: BuildContext): Promise<void> {
  if (ctx.recipe.tuning.keepDocs || ctx.baseLayers.length === 0) return;
  ctx.baseLayers = ctx.baseLayers.map((layer) => {
    const inner = layer.mapPath;
    return {
      ...layer,
      mapPath: (p: string) => {
        const mapped = inner ? inner(p) : p;
        return mapped === null || isStripped(mapped) ? null : mapped;
      },
    };
  });
  ctx.stripped = STRIPPED_PATHS;
}
