// Parses sizes as users write them: 512M, 2G, 1.5GiB, 4096 (bytes). Units are powers of 1024.
const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

export function parseSize(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(String(text).trim());
  if (!m) throw Object.assign(new Error(`${flag} ${text}: not a size`), { hint: 'write e.g. 512M, 2G or 1.5GiB' });
  return Math.ceil(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
}
