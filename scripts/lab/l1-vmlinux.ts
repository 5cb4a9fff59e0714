// Extracts the uncompressed vmlinux from a bzImage so QEMU can start L1 at its PVH entry: under
// TCG the bzImage's own decompressor (xz for Debian) costs about half of an L1 round trip.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseVmlinux, VmlinuxError } from '../../manifest/vmlinux.js';
import { publishCached } from './lab-cache.js';

/** Payload formats a bzImage may carry, with the tool that decompresses each. */
const PAYLOADS = [
  { magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), tool: 'xz' },
  { magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), tool: 'zstd' },
  { magic: Buffer.from([0x1f, 0x8b, 0x08]), tool: 'gzip' },
] as const;

/** True when `elf` reads as an x86-64 vmlinux with a PVH entry note; any other bytes are not a candidate. */
export function hasPvhNote(elf: Uint8Array): boolean {
  try {
    return parseVmlinux(elf).pvhEntry !== undefined;
  } catch (e) {
    if (e instanceof VmlinuxError) return false;
    throw e;
  }
}

/**
 * Returns a cached vmlinux with a PVH note extracted from `bzImage`, or undefined when the
 * image holds none (then QEMU boots the bzImage itself, only slower).
 */
export function pvhVmlinux(bzImage: string, release: string, cacheDir: string): string | undefined {
  const image = readFileSync(bzImage);
  const family = `vmlinux-${release}-`;
  const out = join(cacheDir, `${family}${createHash('sha256').update(image).digest('hex').slice(0, 16)}`);
  if (existsSync(out)) return out;
  for (const { magic, tool } of PAYLOADS) {
    for (let at = image.indexOf(magic); at >= 0; at = image.indexOf(magic, at + 1)) {
      // The decompressor complains about the bytes after the payload; the output is what counts.
      const r = spawnSync(tool, ['-dc'], { input: image.subarray(at), maxBuffer: 1 << 30 });
      if (!r.stdout || !hasPvhNote(r.stdout)) continue;
      publishCached(out, family, r.stdout);
      return out;
    }
  }
  return undefined;
}
