// Step: leave out what a guest never reads — documentation, man and info pages, translations
// and the udev hardware database (~50 MB of a bookworm base). Done as a path filter on the base
// layers while they stream into the image, so the cached base tarball serves both settings.
import type { BuildContext } from './context.js';

/** Tar paths (without the leading `./`): a folder (ending in `/`) keeps itself and loses its contents; a file goes. */
export const STRIPPED_PATHS: readonly string[] = [
  'usr/share/doc/',
  'usr/share/man/',
  'usr/share/info/',
  'usr/share/locale/',
  'usr/share/lintian/',
  // udev's hardware database: names for USB/PCI ids and input quirks, nothing a VM's devices use.
  'usr/lib/udev/hwdb.d/',
  // glibc's iconv converters for legacy character sets (~8 MB); UTF-8 and ASCII are built in.
  'usr/lib/x86_64-linux-gnu/gconv/',
  'usr/lib/udev/hwdb.bin',
  'etc/udev/hwdb.bin',
];

export function isStripped(tarPath: string): boolean {
  const p = tarPath.replace(/^\.?\/+/, '');
  return STRIPPED_PATHS.some((prefix) => (prefix.endsWith('/') ? p.startsWith(prefix) && p !== prefix : p === prefix));
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
