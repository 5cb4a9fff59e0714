// Directory blocks: linear when the names fit one block, hashed (htree, one index level) when
// they need more, as the kernel would have made them. Leaves end in a checksum tail when
// metadata_csum is on; the checksums themselves are filled in later (they need the UUID).
import { BLOCK_SIZE } from './data-area.js';
import {
  DX_HASH_HALF_MD4,
  EXT4_FT,
  EXT4_FT_DIR_CSUM,
  EXT4_HTREE_EOF_32BIT,
  dx_countlimit,
  dx_entry,
  dx_root,
  dx_tail,
  ext4_dir_entry_2,
  ext4_dir_entry_tail,
} from './format.js';

export interface DirEntry {
  name: Buffer;
  ino: number;
  fileType: number;
}

export interface DirectoryLayout {
  blocks: Buffer[];
  /** Set when block 0 is a dx_root: the inode gets EXT4_INDEX_FL, the root a dx_tail checksum. */
  indexed: boolean;
  /** dx_entry count in the root (for its checksum). */
  dxCount: number;
}

export interface DirectoryOptions {
  csum: boolean;
  /** s_hash_seed as four little-endian words. */
  hashSeed: Uint32Array;
}

function recLen(nameLen: number): number {
  return (ext4_dir_entry_2.sizeof + nameLen + 3) & ~3;
}

/** Packs entries into leaf blocks in the given order; `startsLeaf` reports each block's first entry. */
function leaves(entries: DirEntry[], csum: boolean, startsLeaf?: (index: number) => void): Buffer[] {
  const room = csum ? BLOCK_SIZE - ext4_dir_entry_tail.sizeof : BLOCK_SIZE;
  const blocks: Buffer[] = [];
  let blk = Buffer.alloc(BLOCK_SIZE);
  let off = 0;
  let last = -1;
  const seal = () => {
    blk.writeUInt16LE(room - last, last + ext4_dir_entry_2.rec_len);
    if (csum) {
      blk.writeUInt16LE(ext4_dir_entry_tail.sizeof, room + ext4_dir_entry_tail.det_rec_len);
      blk[room + ext4_dir_entry_tail.det_reserved_ft] = EXT4_FT_DIR_CSUM;
    }
    blocks.push(blk);
  };
  entries.forEach((e, i) => {
    const len = recLen(e.name.length);
    if (off + len > room) {
      seal();
      blk = Buffer.alloc(BLOCK_SIZE);
      off = 0;
    }
    if (off === 0) startsLeaf?.(i);
    blk.writeUInt32LE(e.ino, off + ext4_dir_entry_2.inode);
    blk.writeUInt16LE(len, off + ext4_dir_entry_2.rec_len);
    blk[off + ext4_dir_entry_2.name_len] = e.name.length;
    blk[off + ext4_dir_entry_2.file_type] = e.fileType;
    e.name.copy(blk, off + ext4_dir_entry_2.sizeof);
    last = off;
    off += len;
  });
  seal();
  return blocks;
}

/** Lays out a directory: `self` and `parent` are the "." and ".." inodes, `entries` in byte order. */
export function directoryBlocks(self: number, parent: number, entries: DirEntry[], o: DirectoryOptions): DirectoryLayout {
  const dots: DirEntry[] = [
    { name: Buffer.from('.'), ino: self, fileType: EXT4_FT.DIR },
    { name: Buffer.from('..'), ino: parent, fileType: EXT4_FT.DIR },
  ];
  const room = o.csum ? BLOCK_SIZE - ext4_dir_entry_tail.sizeof : BLOCK_SIZE;
  let bytes = recLen(1) + recLen(2);
  for (const e of entries) bytes += recLen(e.name.length);
  const limit = (BLOCK_SIZE - dx_root.sizeof - (o.csum ? dx_tail.sizeof : 0)) / dx_entry.sizeof;
  if (bytes <= room) return { blocks: leaves([...dots, ...entries], o.csum), indexed: false, dxCount: 0 };

  // Hashed: leaves in hash order; each dx_entry names the first hash of its leaf.
  const hashed = entries.map((e) => ({ e, hash: dirhash(e.name, o.hashSeed) })).sort((a, b) => a.hash - b.hash || Buffer.compare(a.e.name, b.e.name));
  const starts: number[] = [];
  const leafBlocks = leaves(
    hashed.map((h) => h.e),
    o.csum,
    (i) => starts.push(i),
  );
  if (leafBlocks.length > limit) {
    // Beyond one index level: a linear directory is still valid, only slower to search.
    return { blocks: leaves([...dots, ...entries], o.csum), indexed: false, dxCount: 0 };
  }
  const root = Buffer.alloc(BLOCK_SIZE);
  root.writeUInt32LE(self, dx_root.dot + ext4_dir_entry_2.inode);
  root.writeUInt16LE(12, dx_root.dot + ext4_dir_entry_2.rec_len);
  root[dx_root.dot + ext4_dir_entry_2.name_len] = 1;
  root[dx_root.dot + ext4_dir_entry_2.file_type] = EXT4_FT.DIR;
  root.write('.', dx_root.dot + ext4_dir_entry_2.sizeof, 'latin1');
  root.writeUInt32LE(parent, dx_root.dotdot + ext4_dir_entry_2.inode);
  root.writeUInt16LE(BLOCK_SIZE - dx_root.dotdot, dx_root.dotdot + ext4_dir_entry_2.rec_len);
  root[dx_root.dotdot + ext4_dir_entry_2.name_len] = 2;
  root[dx_root.dotdot + ext4_dir_entry_2.file_type] = EXT4_FT.DIR;
  root.write('..', dx_root.dotdot + ext4_dir_entry_2.sizeof, 'latin1');
  root[dx_root.info_hash_version] = DX_HASH_HALF_MD4;
  root[dx_root.info_length] = 8;
  const table = dx_root.sizeof;
  root.writeUInt16LE(limit, table + dx_countlimit.limit);
  root.writeUInt16LE(leafBlocks.length, table + dx_countlimit.count);
  root.writeUInt32LE(1, table + dx_entry.block);
  for (let i = 1; i < leafBlocks.length; i++) {
    const first = hashed[starts[i]!]!.hash;
    // The low bit marks a leaf that continues the previous one's last hash (a collision).
    const collision = hashed[starts[i]! - 1]!.hash === first ? 1 : 0;
    root.writeUInt32LE((first | collision) >>> 0, table + i * dx_entry.sizeof + dx_entry.hash);
    root.writeUInt32LE(i + 1, table + i * dx_entry.sizeof + dx_entry.block);
  }
  return { blocks: [root, ...leafBlocks], indexed: true, dxCount: leafBlocks.length };
}

/** Offset of the dx_tail in a dx_root block (metadata_csum). */
export const DX_TAIL_OFFSET = dx_root.sizeof + ((BLOCK_SIZE - dx_root.sizeof - dx_tail.sizeof) / dx_entry.sizeof) * dx_entry.sizeof;

// ---- ext4fs_dirhash, DX_HASH_HALF_MD4 with signed chars (s_flags EXT2_FLAGS_SIGNED_HASH) ----

const K2 = 0o13240474631;
const K3 = 0o15666365641;

function rol(x: number, s: number): number {
  return ((x << s) | (x >>> (32 - s))) >>> 0;
}

/** half_md4_transform() of fs/ext4/hash.c, round by round. */
function halfMd4(buf: Uint32Array, x: Uint32Array): void {
  let a = buf[0]!;
  let b = buf[1]!;
  let c = buf[2]!;
  let d = buf[3]!;
  const F = (p: number, q: number, r: number) => r ^ (p & (q ^ r));
  const G = (p: number, q: number, r: number) => (p & q) + ((p ^ q) & r);
  const H = (p: number, q: number, r: number) => p ^ q ^ r;
  // Round 1
  a = rol((a + F(b, c, d) + x[0]!) >>> 0, 3);
  d = rol((d + F(a, b, c) + x[1]!) >>> 0, 7);
  c = rol((c + F(d, a, b) + x[2]!) >>> 0, 11);
  b = rol((b + F(c, d, a) + x[3]!) >>> 0, 19);
  a = rol((a + F(b, c, d) + x[4]!) >>> 0, 3);
  d = rol((d + F(a, b, c) + x[5]!) >>> 0, 7);
  c = rol((c + F(d, a, b) + x[6]!) >>> 0, 11);
  b = rol((b + F(c, d, a) + x[7]!) >>> 0, 19);
  // Round 2
  a = rol((a + G(b, c, d) + x[1]! + K2) >>> 0, 3);
  d = rol((d + G(a, b, c) + x[3]! + K2) >>> 0, 5);
  c = rol((c + G(d, a, b) + x[5]! + K2) >>> 0, 9);
  b = rol((b + G(c, d, a) + x[7]! + K2) >>> 0, 13);
  a = rol((a + G(b, c, d) + x[0]! + K2) >>> 0, 3);
  d = rol((d + G(a, b, c) + x[2]! + K2) >>> 0, 5);
  c = rol((c + G(d, a, b) + x[4]! + K2) >>> 0, 9);
  b = rol((b + G(c, d, a) + x[6]! + K2) >>> 0, 13);
  // Round 3
  a = rol((a + H(b, c, d) + x[3]! + K3) >>> 0, 3);
  d = rol((d + H(a, b, c) + x[7]! + K3) >>> 0, 9);
  c = rol((c + H(d, a, b) + x[2]! + K3) >>> 0, 11);
  b = rol((b + H(c, d, a) + x[6]! + K3) >>> 0, 15);
  a = rol((a + H(b, c, d) + x[1]! + K3) >>> 0, 3);
  d = rol((d + H(a, b, c) + x[5]! + K3) >>> 0, 9);
  c = rol((c + H(d, a, b) + x[0]! + K3) >>> 0, 11);
  b = rol((b + H(c, d, a) + x[4]! + K3) >>> 0, 15);
  buf[0] = (buf[0]! + a) >>> 0;
  buf[1] = (buf[1]! + b) >>> 0;
  buf[2] = (buf[2]! + c) >>> 0;
  buf[3] = (buf[3]! + d) >>> 0;
}

/** str2hashbuf_signed: packs up to num*4 name bytes (as signed chars) into words. */
function str2hashbuf(msg: Buffer, off: number, len: number, out: Uint32Array, num: number): void {
  let pad = (len | (len << 8)) >>> 0;
  pad = (pad | (pad << 16)) >>> 0;
  let val = pad;
  let k = 0;
  if (len > num * 4) len = num * 4;
  for (let i = 0; i < len; i++) {
    const c = (msg[off + i]! << 24) >> 24; // signed char
    val = (c + ((val << 8) >>> 0)) >>> 0;
    if (i % 4 === 3) {
      out[k++] = val;
      val = pad;
      num--;
    }
  }
  if (--num >= 0) out[k++] = val;
  while (--num >= 0) out[k++] = pad;
}

/** ext4fs_dirhash() major hash of a name (half_md4, signed). */
export function dirhash(name: Buffer, seed: Uint32Array): number {
  const buf = seed.some((w) => w !== 0) ? Uint32Array.from(seed) : Uint32Array.of(0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476);
  const inp = new Uint32Array(8);
  for (let off = 0, len = name.length; len > 0; len -= 32, off += 32) {
    str2hashbuf(name, off, len, inp, 8);
    halfMd4(buf, inp);
  }
  let hash = buf[1]! & ~1;
  if (hash >>> 0 === (EXT4_HTREE_EOF_32BIT << 1) >>> 0) hash = (EXT4_HTREE_EOF_32BIT - 1) << 1;
  return hash >>> 0;
}
