// The VMM's own memory as the kernel accounts it (/proc/self/smaps_rollup).
import { readFileSync } from 'node:fs';

export interface HostMemory {
  rssKiB: number;
  pssKiB: number;
  pssAnonKiB?: number;
  pssFileKiB?: number;
}

export function hostMemory(): HostMemory | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/smaps_rollup', 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const rssKiB = field('Rss');
  const pssKiB = field('Pss');
  if (rssKiB === undefined || pssKiB === undefined) return undefined;
  const anon = field('Pss_Anon');
  const file = field('Pss_File');
  return { rssKiB, pssKiB, ...(anon !== undefined ? { pssAnonKiB: anon } : {}), ...(file !== undefined ? { pssFileKiB: file } : {}) };
}
