// Sizes as users write them — in recipes, in build manifests (`defaults.memory`) and on both
// command lines: 256M, 1.5G, 512MiB, 4096 (bytes). Units are powers of 1024, as QEMU reads them.
const SIZE_UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** Whole bytes (rounded up), or undefined when `text` is not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(String(text).trim());
  if (!m) return undefined;
  const bytes = Math.ceil(Number(m[1]) * SIZE_UNITS[m[2]!.toUpperCase()]!);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** The inverse of `parseSize`: the largest unit that divides the byte count exactly (`128M`). */
export function formatSize(bytes: number): string {
  for (const unit of ['T', 'G', 'M', 'K'] as const) {
    if (bytes > 0 && bytes % SIZE_UNITS[unit]! === 0) return `${bytes / SIZE_UNITS[unit]!}${unit}`;
  }
  return String(bytes);
}
