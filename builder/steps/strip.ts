// Step: leave out what a guest never reads — documentation, translations, the udev hardware
// database, and (when asked) perl-base, which only package maintainer scripts use. Done as a path
// filter on the base layers while they stream into the image, so one cached base tarball serves
// every setting. Measured on bookworm essential + systemd-sysv + udev: docs 10 MB, locales 38 MB,
// hwdb 22 MB, perl 9 MB.
import type { StripGroup } from '../recipe/types.js';
import type { BuildContext } from './context.js';

/** Tar paths (without the leading `./`): a folder (ending in `/`) keeps itself and loses its contents; a file goes. */
export const STRIPPED_PATHS: Readonly<Record<StripGroup, readonly string[]>> = {
  docs: ['usr/share/doc/', 'usr/share/man/', 'usr/share/info/', 'usr/share/lintian/'],
  // Translations, and glibc's iconv converters for legacy character sets (UTF-8 and ASCII are built in).
  locales: ['usr/share/locale/', 'usr/lib/x86_64-linux-gnu/gconv/'],
  // Names for USB/PCI ids and input quirks: nothing a VM's devices need.
  hwdb: ['usr/lib/udev/hwdb.d/', 'usr/lib/udev/hwdb.bin', 'etc/udev/hwdb.bin'],
  perl: ['usr/bin/perl', 'usr/bin/perl5.36.0', 'usr/lib/x86_64-linux-gnu/perl-base/', 'usr/share/perl5/'],
};

export function isStripped(tarPath: string, prefixes: readonly string[]): boolean {
  const p = tarPath.replace(/^\.?\/+/, '');
  return prefixes.some((prefix) => (prefix.endsWith('/') ? p.startsWith(prefix) && p !== prefix : p === prefix));
}

export async function strip(ctx: BuildContext): Promise<void> {
  const prefixes = ctx.recipe.tuning.strip.flatMap((group) => STRIPPED_PATHS[group]);
  if (prefixes.length === 0 || ctx.baseLayers.length === 0) return;
  ctx.baseLayers = ctx.baseLayers.map((layer) => {
    const inner = layer.mapPath;
    return {
      ...layer,
      mapPath: (p: string) => {
        const mapped = inner ? inner(p) : p;
        return mapped === null || isStripped(mapped, prefixes) ? null : mapped;
      },
    };
  });
  ctx.stripped = prefixes;
}
