// Extracts the uncompressed vmlinux from a bzImage so QEMU can start L1 at its PVH entry: under
// TCG the bzImage's own decompressor (xz for Debian) costs about half of an L1 round trip.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publishCached } from './lab-cache.js';

/** Payload formats a bzImage may carry, with the tool that decompresses each. */
const PAYLOADS = [
  { magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), tool: 'xz' },
  { magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), tool: 'zstd' },
  { magic: Buffer.from([0x1f, 0x8b, 0x08]), tool: 'gzip' },
] as const;

const PT_NOTE = 4;
/** XEN_ELFNOTE_PHYS32_ENTRY (xen/include/public/elfnote.h): the PVH entry point QEMU needs. */
const XEN_ELFNOTE_PHYS32_ENTRY = 18;

/** True when `elf` is an x86-64 ELF with a PVH entry note. */
export function hasPvhNote(elf: Buffer): boolean {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return false;
  const phoff = Number(elf.readBigUInt64LE(32));
  const phentsize = elf.readUInt16LE(54);
  for (let i = 0; i < elf.readUInt16LE(56); i++) {
    const ph = phoff + i * phentsize;
    if (elf.readUInt32LE(ph) !== PT_NOTE) continue;
    const end = Number(elf.readBigUInt64LE(ph + 8)) + Number(elf.readBigUInt64LE(ph + 32));
    for (let n = Number(elf.readBigUInt64LE(ph + 8)); n + 12 <= end;) {
      const namesz = elf.readUInt32LE(n);
      const descsz = elf.readUInt32LE(n + 4);
      const name = elf.toString('latin1', n + 12, n + 12 + namesz).replace(/\0+$/, '');
      if (name === 'Xen' && elf.readUInt32LE(n + 8) === XEN_ELFNOTE_PHYS32_ENTRY) return true;
      n += 12 + Math.ceil(namesz / 4) * 4 + Math.ceil(descsz / 4) * 4;
    }
  }
  return false;
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
