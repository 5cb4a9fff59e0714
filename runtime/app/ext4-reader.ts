// A small read-only ext4 reader: superblock → group descriptor → inode → extents → bytes, enough
// to read a few files (/.cc/image.json, /etc/passwd, /etc/group) from an app image on the host
// without a mount or root. Struct and field names as in fs/ext4/ext4.h and ext4_extents.h.
import { closeSync, openSync, readSync } from 'node:fs';

const SUPERBLOCK_OFFSET = 1024;
const EXT4_SUPER_MAGIC = 0xef53;
const EXT4_EXT_MAGIC = 0xf30a;
const EXT4_ROOT_INO = 2;
const EXT4_FEATURE_INCOMPAT_64BIT = 0x80;
const EXT4_EXTENTS_FL = 0x80000;
const EXT4_INLINE_DATA_FL = 0x10000000;
const EXT_INIT_MAX_LEN = 1 << 15;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const MAX_SYMLINKS = 40;
/** Files are read whole: the run config and account files are small. */
const MAX_FILE_SIZE = 16 * 1024 * 1024;

// ext4_super_block offsets.
const s = { s_first_data_block: 20, s_log_block_size: 24, s_inodes_per_group: 40, s_magic: 56, s_inode_size: 88, s_feature_incompat: 96, s_desc_size: 254 } as const;
// ext4_inode offsets.
const i = { i_mode: 0, i_size_lo: 4, i_flags: 0x20, i_block: 0x28, i_size_high: 0x6c } as const;
const I_BLOCK_LEN = 60;

export class Ext4ReadError extends Error {
  constructor(readonly kind: 'not-ext4' | 'not-found' | 'not-a-file' | 'unsupported' | 'corrupt' | 'too-big', message: string) {
    super(message);
    this.name = 'Ext4ReadError';
  }
}

interface Inode {
  ino: number;
  mode: number;
  size: number;
  flags: number;
  block: Buffer;
}

export class Ext4Reader {
  private readonly blockSize: number;
  private readonly inodesPerGroup: number;
  private readonly inodeSize: number;
  private readonly descSize: number;
  private readonly gdtStart: number;

  private constructor(private readonly fd: number, readonly path: string) {
    const sb = this.read(SUPERBLOCK_OFFSET, 1024);
    if (sb.readUInt16LE(s.s_magic) !== EXT4_SUPER_MAGIC) {
      throw new Ext4ReadError('not-ext4', `${path}: not an ext4 image (no superblock magic 0xEF53)`);
    }
    this.blockSize = 1024 << sb.readUInt32LE(s.s_log_block_size);
    this.inodesPerGroup = sb.readUInt32LE(s.s_inodes_per_group);
    this.inodeSize = sb.readUInt16LE(s.s_inode_size) || 128;
    const is64 = (sb.readUInt32LE(s.s_feature_incompat) & EXT4_FEATURE_INCOMPAT_64BIT) !== 0;
    this.descSize = is64 ? sb.readUInt16LE(s.s_desc_size) || 64 : 32;
    this.gdtStart = (sb.readUInt32LE(s.s_first_data_block) + 1) * this.blockSize;
  }

  static open(path: string): Ext4Reader {
    const fd = openSync(path, 'r');
    try {
      return new Ext4Reader(fd, path);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private read(offset: number, length: number): Buffer {
    const buf = Buffer.alloc(length);
    const n = readSync(this.fd, buf, 0, length, offset);
    if (n < length) throw new Ext4ReadError('corrupt', `${this.path}: short read at byte ${offset}`);
    return buf;
  }

  private inode(ino: number): Inode {
    const group = Math.floor((ino - 1) / this.inodesPerGroup);
    const index = (ino - 1) % this.inodesPerGroup;
    const desc = this.read(this.gdtStart + group * this.descSize, this.descSize);
    // bg_inode_table_lo at 0x8, bg_inode_table_hi at 0x28 in the 64-byte descriptor.
    const table = desc.readUInt32LE(0x8) + (this.descSize >= 64 ? desc.readUInt32LE(0x28) * 2 ** 32 : 0);
    const raw = this.read(table * this.blockSize + index * this.inodeSize, Math.min(this.inodeSize, 256));
    return {
      ino,
      mode: raw.readUInt16LE(i.i_mode),
      size: raw.readUInt32LE(i.i_size_lo) + raw.readUInt32LE(i.i_size_high) * 2 ** 32,
      flags: raw.readUInt32LE(i.i_flags),
      block: raw.subarray(i.i_block, i.i_block + I_BLOCK_LEN),
    };
  }

  /** The inode's bytes, following its extent tree; holes and unwritten extents read as zeros. */
  private contents(node: Inode, what: string): Buffer {
    if (node.size > MAX_FILE_SIZE) throw new Ext4ReadError('too-big', `${this.path}: ${what} is larger than ${MAX_FILE_SIZE} bytes`);
    if (node.flags & EXT4_INLINE_DATA_FL) throw new Ext4ReadError('unsupported', `${this.path}: ${what} uses inline data (not supported)`);
    if (!(node.flags & EXT4_EXTENTS_FL)) throw new Ext4ReadError('unsupported', `${this.path}: ${what} is block-mapped, not extent-mapped (not supported)`);
    const out = Buffer.alloc(node.size);
    const walk = (header: Buffer, depth: number): void => {
      if (header.readUInt16LE(0) !== EXT4_EXT_MAGIC || depth > 5) throw new Ext4ReadError('corrupt', `${this.path}: ${what}: bad extent header`);
      const entries = header.readUInt16LE(2);
      const level = header.readUInt16LE(6);
      for (let e = 0; e < entries; e++) {
        const at = 12 + e * 12;
        if (level > 0) {
          const leaf = header.readUInt32LE(at + 4) + header.readUInt16LE(at + 8) * 2 ** 32;
          walk(this.read(leaf * this.blockSize, this.blockSize), depth + 1);
          continue;
        }
        const logical = header.readUInt32LE(at);
        const rawLen = header.readUInt16LE(at + 4);
        if (rawLen > EXT_INIT_MAX_LEN) continue; // unwritten: zeros
        const physical = header.readUInt16LE(at + 6) * 2 ** 32 + header.readUInt32LE(at + 8);
        const start = logical * this.blockSize;
        const len = Math.min(rawLen * this.blockSize, node.size - start);
        if (len > 0) this.read(physical * this.blockSize, len).copy(out, start);
      }
    };
    walk(node.block, 0);
    return out;
  }

  private lookup(dir: Inode, name: string, what: string): number | undefined {
    const data = this.contents(dir, what);
    for (let at = 0; at + 8 <= data.length; ) {
      const ino = data.readUInt32LE(at);
      const recLen = data.readUInt16LE(at + 4);
      const nameLen = data.readUInt8(at + 6);
      if (recLen < 8) throw new Ext4ReadError('corrupt', `${this.path}: ${what}: bad directory entry`);
      if (ino !== 0 && data.toString('utf8', at + 8, at + 8 + nameLen) === name) return ino;
      at += recLen;
    }
    return undefined;
  }

  private linkTarget(node: Inode, what: string): string {
    // A fast symlink keeps its target in i_block.
    if (node.size < I_BLOCK_LEN && !(node.flags & EXT4_EXTENTS_FL)) return node.block.toString('utf8', 0, node.size);
    return this.contents(node, what).toString('utf8');
  }

  /** The inode at an absolute path, symlinks followed (absolute ones from the image's root). */
  private resolve(path: string, hops = 0): Inode {
    const parts = path.split('/').filter((p) => p && p !== '.');
    let node = this.inode(EXT4_ROOT_INO);
    const seen: string[] = [];
    for (let n = 0; n < parts.length; n++) {
      const part = parts[n]!;
      if (part === '..') {
        seen.pop();
        node = this.resolve(`/${seen.join('/')}`, hops);
        continue;
      }
      if ((node.mode & S_IFMT) !== S_IFDIR) throw new Ext4ReadError('not-found', `${this.path}: /${seen.join('/')} is not a directory`);
      const ino = this.lookup(node, part, `/${seen.join('/')}`);
      if (ino === undefined) throw new Ext4ReadError('not-found', `${this.path}: no /${[...seen, part].join('/')} in the image`);
      node = this.inode(ino);
      if ((node.mode & S_IFMT) === S_IFLNK) {
        if (hops >= MAX_SYMLINKS) throw new Ext4ReadError('corrupt', `${this.path}: too many symbolic links at ${path}`);
        const target = this.linkTarget(node, `/${[...seen, part].join('/')}`);
        const rest = parts.slice(n + 1).join('/');
        const base = target.startsWith('/') ? target : `/${seen.join('/')}/${target}`;
        return this.resolve(`${base}/${rest}`, hops + 1);
      }
      seen.push(part);
    }
    return node;
  }

  /** The contents of the regular file at `path` (absolute, inside the image). */
  readFile(path: string): Buffer {
    const node = this.resolve(path);
    if ((node.mode & S_IFMT) !== S_IFREG) throw new Ext4ReadError('not-a-file', `${this.path}: ${path} is not a regular file`);
    return this.contents(node, path);
  }

  /** Like readFile, but undefined when the path does not exist. */
  readFileIfExists(path: string): Buffer | undefined {
    try {
      return this.readFile(path);
    } catch (e) {
      if (e instanceof Ext4ReadError && e.kind === 'not-found') return undefined;
      throw e;
    }
  }
}
