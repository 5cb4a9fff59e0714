// Checks made before anything is mapped: the root image is an ext4 filesystem.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { ConfigError } from './errors.js';

/** ext4_super_block sits at byte 1024; s_magic is at offset 0x38 in it. */
const EXT4_SUPER_MAGIC = 0xef53;
const S_MAGIC_OFFSET = 1024 + 0x38;

export function checkExt4Image(path: string): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new ConfigError('no-image', `${path}: no such image`, undefined, { cause: e });
  }
  const buf = new Uint8Array(2);
  const fd = openSync(path, 'r');
  try {
    if (size >= S_MAGIC_OFFSET + 2) readSync(fd, buf, 0, 2, S_MAGIC_OFFSET);
  } finally {
    closeSync(fd);
  }
  if ((buf[0]! | (buf[1]! << 8)) !== EXT4_SUPER_MAGIC) {
    throw new ConfigError('not-ext4', `${path}: not an ext4 image (no superblock magic 0xEF53 at byte ${S_MAGIC_OFFSET})`,
      'build one with cc-build, or mke2fs -t ext4 -d DIR IMAGE SIZE');
  }
}
