// Writes a FileTree as an ext4 image, in the spirit of hcsshim's compactext4: file data has already
// streamed into the data area (see data-area.ts); close() lays out everything else after it in one
// sequential pass (directories, extent and xattr blocks, inode tables, bitmaps) and finally the
// group descriptors and the superblock at the front.
//
// Layout (4 KiB blocks, 32768 blocks per group, flex_bg so group metadata may live anywhere):
//   block 0            boot area + superblock (no backups: sparse_super2 with s_backup_bgs = 0)
//   blocks 1..G        group descriptors (G reserved for the largest image allowed)
//   G+1 .. 2 MiB       free space; small files fill it
//   2 MiB ..           file data; files >= 2 MiB start 2 MiB-aligned (DAX huge pages)
//   then               directory, extent-index, xattr and symlink blocks
//   then               inode tables, block bitmaps, inode bitmaps of all groups
//   then               free space up to the image size (a multiple of 2 MiB)
import { createHash } from 'node:crypto';
import { ftruncateSync, writeSync } from 'node:fs';
import type { FileTree, Node } from '../tree/tree.js';
import { BLOCK_SIZE, DataArea, Extent, HUGE_BLOCKS } from './data-area.js';
import {
  DX_HASH_HALF_MD4,
  EXT4_BG,
  EXT4_CRC32C_CHKSUM,
  EXT2_FLAGS,
  EXT4_DEFM,
  EXT4_DYNAMIC_REV,
  EXT4_ERRORS_CONTINUE,
  EXT4_EXT_MAGIC,
  EXT4_FEATURE_COMPAT,
  EXT4_FEATURE_INCOMPAT,
  EXT4_FEATURE_RO_COMPAT,
  EXT4_FT,
  EXT4_GOOD_OLD_FIRST_INO,
  EXT4_GOOD_OLD_INODE_SIZE,
  EXT4_INODE_FLAGS,
  EXT4_LINK_MAX,
  EXT4_NAME_LEN,
  EXT4_OS_LINUX,
  EXT4_ROOT_INO,
  EXT4_SUPERBLOCK_OFFSET,
  EXT4_SUPER_MAGIC,
  EXT4_VALID_FS,
  EXT_INIT_MAX_LEN,
  S_IF,
  dx_entry,
  dx_root,
  dx_tail,
  ext4_dir_entry_tail,
  ext4_extent_tail,
  ext4_xattr_header,
  ext4_extent,
  ext4_extent_header,
  ext4_extent_idx,
  ext4_group_desc,
  ext4_inode,
  ext4_super_block,
} from './format.js';
import { crc32c, crc32cU32 } from './crc32c.js';
import { DX_TAIL_OFFSET, directoryBlocks, type DirEntry } from './directory.js';
import { toExt4Xattrs, writeIbodyXattrs, xattrBlock, type Xattr } from './xattr.js';
import { BuilderError } from '../errors.js';

// ---- layout constants ----
const BLOCKS_PER_GROUP = 8 * BLOCK_SIZE; // one bitmap block per group
const INODE_SIZE = 256;
const EXTRA_ISIZE = 32; // covers up to i_projid: ns timestamps and crtime
const INODES_PER_BLOCK = BLOCK_SIZE / INODE_SIZE;
const DESC_PER_BLOCK = BLOCK_SIZE / ext4_group_desc.sizeof;
/** Without --size, group descriptors are reserved for images up to 1 TiB (63 blocks). */
const DEFAULT_GDT_BLOCKS = 63;
const BYTES_PER_FREE_INODE = 16384; // mke2fs's default inode ratio
const MIN_FREE_INODES = 64;
const DEFAULT_MIN_FREE = 64 << 20;
const DEFAULT_FREE_FRACTION = 0.25;
const EXTENTS_IN_INODE = 4;
const EXTENTS_PER_BLOCK = Math.floor((BLOCK_SIZE - ext4_extent_header.sizeof) / ext4_extent.sizeof);
const FAST_SYMLINK_MAX = 59; // i_block holds 60 bytes including the NUL
const LOG_GROUPS_PER_FLEX = 4;

export interface Ext4Options {
  /** Exact image size in bytes (rounded up to 2 MiB); fails if the tree does not fit. */
  sizeBytes?: number;
  /** Free space to leave in bytes when no size is given. Default: 25% of the content, at least 64 MiB. */
  freeBytes?: number;
  /** Seconds for times the input does not give (superblock). SOURCE_DATE_EPOCH or 0. */
  epoch?: number;
  /** Volume label (up to 16 bytes). */
  label?: string;
  /** crc32c checksums on all metadata (metadata_csum); default true. */
  metadataCsum?: boolean;
}

export interface Ext4Result {
  sizeBytes: number;
  blocks: number;
  freeBlocks: number;
  inodes: number;
  usedInodes: number;
  uuid: string;
}

export type Ext4ErrorKind = 'too-large' | 'name-too-long' | 'too-many-links' | 'symlink-too-long' | 'xattr-too-large' | 'closed';

export class Ext4Error extends BuilderError<Ext4ErrorKind> {}

interface Leaf {
  lblock: number;
  len: number;
  pblock: number;
}

export class Ext4Writer {
  /** Where file bytes go while the tree is built: hand it to `new FileTree(writer.data)`. */
  readonly data: DataArea;
  private readonly gdtBlocks: number;
  private readonly sizeBlocks: number | undefined;
  private closed = false;
  // metadata region, laid out from the end of the data area
  private metaStart = 0;
  private metaBlocks: Buffer[] = [];
  /** Metadata blocks whose checksums wait for the UUID. */
  private csumJobs: { kind: 'dir' | 'dx-root' | 'extent' | 'xattr'; block: number; ino: number; count?: number }[] = [];
  /** s_hash_seed: directory hashes need it before the UUID is known. */
  private hashSeed = new Uint32Array(4);
  private readonly csum: boolean;

  constructor(
    private readonly fd: number,
    private readonly options: Ext4Options = {},
  ) {
    if (options.sizeBytes !== undefined) {
      this.sizeBlocks = Math.ceil(options.sizeBytes / (HUGE_BLOCKS * BLOCK_SIZE)) * HUGE_BLOCKS;
      const groups = Math.ceil(this.sizeBlocks / BLOCKS_PER_GROUP);
      this.gdtBlocks = Math.ceil(groups / DESC_PER_BLOCK);
      if (1 + this.gdtBlocks > HUGE_BLOCKS) throw new Ext4Error('too-large', `--size ${options.sizeBytes}: larger than this writer supports (8 TiB)`);
    } else {
      this.gdtBlocks = DEFAULT_GDT_BLOCKS;
    }
    this.data = new DataArea(fd, { reservedBlocks: 1 + this.gdtBlocks, limitBlocks: this.sizeBlocks });
    this.csum = options.metadataCsum ?? true;
  }

  /** Lays out and writes all metadata; the image is complete afterwards. Use once. */
  close(tree: FileTree): Ext4Result {
    if (this.closed) throw new Ext4Error('closed', 'ext4 writer used after close()');
    this.closed = true;
    // e2fsck insists on a /lost+found directory; anything else by that name is replaced, as it would.
    if (tree.root.entries!.get('lost+found')?.kind !== 'dir') {
      tree.remove('/lost+found');
      tree.mkdir('/lost+found', { mode: 0o700 });
    }

    // 1. inode numbers: root 2, lost+found 11 (as mke2fs), then depth-first in name order.
    const inodes: (Node | undefined)[] = [];
    const numbers = new Map<Node, number>();
    const paths = new Map<Node, string>();
    inodes[EXT4_ROOT_INO] = tree.root;
    numbers.set(tree.root, EXT4_ROOT_INO);
    const lpf = tree.root.entries!.get('lost+found')!;
    inodes[EXT4_GOOD_OLD_FIRST_INO] = lpf;
    numbers.set(lpf, EXT4_GOOD_OLD_FIRST_INO);
    let next = EXT4_GOOD_OLD_FIRST_INO + 1;
    const seedNames = createHash('sha256');
    for (const [path, node] of tree.walk()) {
      seedNames.update(path).update('\0');
      if (!numbers.has(node)) {
        numbers.set(node, next);
        inodes[next++] = node;
      }
      if (!paths.has(node)) paths.set(node, path);
    }
    const lastIno = next - 1;
    const seed = this.data.peekHash().update(seedNames.digest()).digest();
    for (let i = 0; i < 4; i++) this.hashSeed[i] = seed.readUInt32LE(i * 4);

    // 2. inodes and the metadata blocks they point to, into memory.
    this.metaStart = this.data.end;
    const table = Buffer.alloc((lastIno + 1) * INODE_SIZE); // inode n at n * INODE_SIZE; 0 is unused
    const dirInodes: number[] = [];
    for (let ino = EXT4_ROOT_INO; ino <= lastIno; ino++) {
      const node = inodes[ino];
      if (!node) continue;
      if (node.kind === 'dir') dirInodes.push(ino);
      this.encodeInode(table, ino * INODE_SIZE, node, ino, numbers, paths.get(node) ?? '/');
    }
    const usedBlocks = this.metaStart + this.metaBlocks.length;

    // 3. sizes: groups, inodes per group, where tables and bitmaps go.
    const layout = this.layout(usedBlocks, lastIno);
    const { total, groups, ipg, itableBlocksPerGroup } = layout;
    const itableStart = usedBlocks;
    const bbStart = itableStart + groups * itableBlocksPerGroup;
    const ibStart = bbStart + groups;
    const end = ibStart + groups;

    // 4. bitmaps of the whole image.
    const blockBitmaps = Buffer.alloc(groups * BLOCK_SIZE);
    setBits(blockBitmaps, 0, 1 + layout.gdtBlocks);
    for (let ino = EXT4_ROOT_INO; ino <= lastIno; ino++) {
      const data = inodes[ino]?.data;
      if (!data) continue;
      const ext = data as Extent;
      for (let i = 0; i < ext.runs.length; i += 3) setBits(blockBitmaps, ext.runs[i + 2]!, ext.runs[i + 2]! + ext.runs[i + 1]!);
    }
    setBits(blockBitmaps, this.metaStart, end);
    setBits(blockBitmaps, total, groups * BLOCKS_PER_GROUP); // padding past the end of the image
    const inodeBitmaps = Buffer.alloc(groups * BLOCK_SIZE);
    for (let g = 0; g < groups; g++) {
      const ib = inodeBitmaps.subarray(g * BLOCK_SIZE, (g + 1) * BLOCK_SIZE);
      setBits(ib, 0, Math.max(0, Math.min(ipg, lastIno - g * ipg)));
      setBits(ib, ipg, BLOCKS_PER_GROUP);
    }

    // 5. group descriptors.
    const dirsPerGroup = new Array<number>(groups).fill(0);
    for (const ino of dirInodes) dirsPerGroup[Math.floor((ino - 1) / ipg)]!++;
    let freeBlocks = 0;
    const gdt = Buffer.alloc(layout.gdtBlocks * BLOCK_SIZE);
    for (let g = 0; g < groups; g++) {
      const groupEnd = Math.min((g + 1) * BLOCKS_PER_GROUP, total);
      const free = groupEnd - g * BLOCKS_PER_GROUP - countBits(blockBitmaps, g * BLOCKS_PER_GROUP, groupEnd);
      freeBlocks += free;
      const usedInGroup = Math.max(0, Math.min(ipg, lastIno - g * ipg));
      const d = g * ext4_group_desc.sizeof;
      gdt.writeUInt32LE(bbStart + g, d + ext4_group_desc.bg_block_bitmap_lo);
      gdt.writeUInt32LE(ibStart + g, d + ext4_group_desc.bg_inode_bitmap_lo);
      gdt.writeUInt32LE(itableStart + g * itableBlocksPerGroup, d + ext4_group_desc.bg_inode_table_lo);
      gdt.writeUInt16LE(free, d + ext4_group_desc.bg_free_blocks_count_lo);
      gdt.writeUInt16LE(ipg - usedInGroup, d + ext4_group_desc.bg_free_inodes_count_lo);
      gdt.writeUInt16LE(dirsPerGroup[g]!, d + ext4_group_desc.bg_used_dirs_count_lo);
      // Inode tables are all zeros past the used inodes: nothing for the kernel's lazy init to do.
      gdt.writeUInt16LE(EXT4_BG.INODE_ZEROED, d + ext4_group_desc.bg_flags);
    }

    // 6. UUID and hash seed from the content (file data already counted), then checksums.
    for (const b of this.metaBlocks) this.data.hashAlso(b);
    this.data.hashAlso(table);
    this.data.hashAlso(blockBitmaps);
    this.data.hashAlso(gdt);
    const digest = this.data.seal();
    const uuid = Buffer.from(digest.subarray(0, 16));
    uuid[6] = (uuid[6]! & 0x0f) | 0x80; // RFC 9562 version 8: custom (content-derived)
    uuid[8] = (uuid[8]! & 0x3f) | 0x80;
    if (this.csum) this.checksum(crc32c(0xffffffff, uuid), { table, lastIno, gdt, groups, ipg, blockBitmaps, inodeBitmaps });

    // 7. write: metadata blocks, inode tables, bitmaps (one sequential run), descriptors, superblock.
    let block = this.metaStart;
    for (const b of this.metaBlocks) this.data.put(block++, b);
    this.metaBlocks = [];
    for (let g = 0; g < groups; g++) {
      const first = g * ipg + 1;
      if (first > lastIno) break;
      const last = Math.min(lastIno, (g + 1) * ipg);
      const used = table.subarray(first * INODE_SIZE, (last + 1) * INODE_SIZE);
      const padded = Buffer.alloc(Math.ceil(used.length / BLOCK_SIZE) * BLOCK_SIZE);
      used.copy(padded);
      this.data.put(itableStart + g * itableBlocksPerGroup, padded);
    }
    this.data.put(bbStart, blockBitmaps);
    this.data.put(ibStart, inodeBitmaps);
    this.data.put(1, gdt);
    this.data.flush();

    const sb = this.superblock({
      total,
      groups,
      ipg,
      freeBlocks,
      freeInodes: groups * ipg - lastIno,
      uuid,
      hashSeed: Buffer.from(this.hashSeed.buffer),
    });
    const block0 = Buffer.alloc(BLOCK_SIZE);
    sb.copy(block0, EXT4_SUPERBLOCK_OFFSET);
    writeSync(this.fd, block0, 0, BLOCK_SIZE, 0);
    ftruncateSync(this.fd, total * BLOCK_SIZE);
    return {
      sizeBytes: total * BLOCK_SIZE,
      blocks: total,
      freeBlocks,
      inodes: groups * ipg,
      usedInodes: lastIno,
      uuid: formatUuid(uuid),
    };
  }

  /**
   * metadata_csum: crc32c of every inode, directory, extent and xattr block, bitmap and group
   * descriptor, seeded from the UUID (and the inode number for what belongs to one inode).
   */
  private checksum(
    seed: number,
    m: { table: Buffer; lastIno: number; gdt: Buffer; groups: number; ipg: number; blockBitmaps: Buffer; inodeBitmaps: Buffer },
  ): void {
    const inodeSeed = (ino: number) => crc32cU32(crc32cU32(seed, ino), 0 /* i_generation */);
    for (const job of this.csumJobs) {
      const b = this.metaBlocks[job.block - this.metaStart]!;
      switch (job.kind) {
        case 'dir': {
          const tail = BLOCK_SIZE - ext4_dir_entry_tail.sizeof;
          b.writeUInt32LE(crc32c(inodeSeed(job.ino), b, 0, tail), tail + ext4_dir_entry_tail.det_checksum);
          break;
        }
        case 'dx-root': {
          const end = dx_root.sizeof + job.count! * dx_entry.sizeof;
          // ext4_dx_csum: the used part of the table, then the whole tail with its checksum still zero.
          const c = crc32c(crc32c(inodeSeed(job.ino), b, 0, end), b, DX_TAIL_OFFSET, DX_TAIL_OFFSET + dx_tail.sizeof);
          b.writeUInt32LE(c, DX_TAIL_OFFSET + dx_tail.dt_checksum);
          break;
        }
        case 'extent': {
          const tail = ext4_extent_header.sizeof + EXTENTS_PER_BLOCK * ext4_extent.sizeof;
          b.writeUInt32LE(crc32c(inodeSeed(job.ino), b, 0, tail), tail + ext4_extent_tail.et_checksum);
          break;
        }
        case 'xattr': {
          const nr = Buffer.alloc(8);
          nr.writeUInt32LE(job.block, 0);
          b.writeUInt32LE(0, ext4_xattr_header.h_checksum);
          b.writeUInt32LE(crc32c(crc32c(seed, nr), b), ext4_xattr_header.h_checksum);
          break;
        }
      }
    }
    this.csumJobs = [];
    for (let ino = 1; ino <= m.lastIno; ino++) {
      const inode = m.table.subarray(ino * INODE_SIZE, (ino + 1) * INODE_SIZE);
      if (inode.readUInt16LE(ext4_inode.i_mode) === 0) continue; // unused: all zeros verify as they are
      const c = crc32c(inodeSeed(ino), inode);
      inode.writeUInt16LE(c & 0xffff, ext4_inode.l_i_checksum_lo);
      inode.writeUInt16LE(c >>> 16, ext4_inode.i_checksum_hi);
    }
    for (let g = 0; g < m.groups; g++) {
      const d = m.gdt.subarray(g * ext4_group_desc.sizeof, (g + 1) * ext4_group_desc.sizeof);
      const bb = crc32c(seed, m.blockBitmaps, g * BLOCK_SIZE, (g + 1) * BLOCK_SIZE);
      const ib = crc32c(seed, m.inodeBitmaps, g * BLOCK_SIZE, g * BLOCK_SIZE + m.ipg / 8);
      d.writeUInt16LE(bb & 0xffff, ext4_group_desc.bg_block_bitmap_csum_lo);
      d.writeUInt16LE(ib & 0xffff, ext4_group_desc.bg_inode_bitmap_csum_lo);
      d.writeUInt16LE(crc32c(crc32cU32(seed, g), d) & 0xffff, ext4_group_desc.bg_checksum);
    }
  }

  private layout(usedBlocks: number, usedInodes: number) {
    const fixed = this.sizeBlocks;
    const freeTarget =
      fixed !== undefined
        ? 0
        : Math.ceil(
            (this.options.freeBytes ?? Math.max(DEFAULT_MIN_FREE, usedBlocks * BLOCK_SIZE * DEFAULT_FREE_FRACTION)) / BLOCK_SIZE,
          );
    let total = fixed ?? alignUp(usedBlocks + freeTarget, HUGE_BLOCKS);
    for (;;) {
      const groups = Math.ceil(total / BLOCKS_PER_GROUP);
      const free = fixed !== undefined ? Math.max(0, fixed - usedBlocks) : freeTarget;
      const wanted = usedInodes + Math.max(MIN_FREE_INODES, Math.floor((free * BLOCK_SIZE) / BYTES_PER_FREE_INODE));
      let ipg = Math.min(BLOCKS_PER_GROUP, alignUp(Math.ceil(wanted / groups), INODES_PER_BLOCK));
      if (groups * ipg < usedInodes + 1) {
        // More files than one group's inode bitmap can count: the image needs more groups.
        if (fixed !== undefined) throw this.tooLarge(`${usedInodes} files need more inodes than a ${mib(fixed)} MiB image has`);
        total = alignUp(Math.ceil((usedInodes + 1) / BLOCKS_PER_GROUP) * BLOCKS_PER_GROUP, HUGE_BLOCKS);
        continue;
      }
      ipg = Math.max(ipg, INODES_PER_BLOCK);
      const itableBlocksPerGroup = (ipg * INODE_SIZE) / BLOCK_SIZE;
      const need = usedBlocks + groups * (itableBlocksPerGroup + 2);
      const gdtBlocks = Math.ceil(groups / DESC_PER_BLOCK);
      if (gdtBlocks > this.gdtBlocks) throw this.tooLarge('the image would be larger than 1 TiB; give --size to allow more');
      if (fixed !== undefined) {
        if (need > fixed) throw this.tooLarge(`the tree needs ${mib(alignUp(need, HUGE_BLOCKS))} MiB but the image size asked for is ${mib(fixed)} MiB`);
        return { total, groups, ipg, itableBlocksPerGroup, gdtBlocks };
      }
      const next = alignUp(need + freeTarget, HUGE_BLOCKS);
      if (next <= total) return { total, groups, ipg, itableBlocksPerGroup, gdtBlocks };
      total = next;
    }
  }

  private tooLarge(message: string): Ext4Error {
    return new Ext4Error('too-large', message, 'raise --size or leave it out');
  }

  /** Takes `count` blocks of the metadata region, in order. */
  private allocMeta(blocks: Buffer[]): number {
    const first = this.metaStart + this.metaBlocks.length;
    for (const b of blocks) this.metaBlocks.push(b);
    return first;
  }

  private encodeInode(table: Buffer, off: number, node: Node, ino: number, numbers: Map<Node, number>, path: string): void {
    const buf = table.subarray(off, off + INODE_SIZE);
    let flags = 0;
    let sectors = 0;
    let size = 0;
    let links = node.links;
    let type: number;
    const iblock = buf.subarray(ext4_inode.i_block, ext4_inode.i_block + 60);
    switch (node.kind) {
      case 'dir': {
        type = S_IF.DIR;
        const parent = ino === EXT4_ROOT_INO ? EXT4_ROOT_INO : this.parents.get(node)!;
        for (const child of node.entries!.values()) if (child.kind === 'dir') this.parents.set(child, ino);
        const dir = directoryBlocks(ino, parent, this.dirEntries(node, numbers, path), { csum: this.csum, hashSeed: this.hashSeed });
        const blocks = dir.blocks;
        const start = this.allocMeta(blocks);
        for (let i = 0; i < blocks.length; i++) {
          if (i === 0 && dir.indexed) this.csumJobs.push({ kind: 'dx-root', block: start, ino, count: dir.dxCount });
          else this.csumJobs.push({ kind: 'dir', block: start + i, ino });
        }
        if (dir.indexed) flags |= EXT4_INODE_FLAGS.INDEX_FL;
        sectors += this.extentTree(iblock, splitRuns(0, start, blocks.length), ino) + blocks.length * (BLOCK_SIZE / 512);
        flags |= EXT4_INODE_FLAGS.EXTENTS_FL;
        size = blocks.length * BLOCK_SIZE;
        let subdirs = 0;
        for (const child of node.entries!.values()) if (child.kind === 'dir') subdirs++;
        links = 2 + subdirs;
        if (links > EXT4_LINK_MAX) links = 1; // dir_nlink: "many"
        break;
      }
      case 'file': {
        type = S_IF.REG;
        const ext = node.data as Extent | null;
        const leaves: Leaf[] = [];
        if (ext) {
          for (let i = 0; i < ext.runs.length; i += 3) {
            leaves.push(...splitRuns(ext.runs[i]!, ext.runs[i + 2]!, ext.runs[i + 1]!));
            sectors += ext.runs[i + 1]! * (BLOCK_SIZE / 512);
          }
          size = ext.size;
        }
        sectors += this.extentTree(iblock, leaves, ino);
        flags |= EXT4_INODE_FLAGS.EXTENTS_FL;
        break;
      }
      case 'symlink': {
        type = S_IF.LNK;
        const target = Buffer.from(node.target, 'latin1');
        size = target.length;
        if (target.length >= BLOCK_SIZE) throw new Ext4Error('symlink-too-long', `${path}: symlink target is ${target.length} bytes (at most ${BLOCK_SIZE - 1})`);
        if (target.length <= FAST_SYMLINK_MAX) {
          target.copy(iblock);
        } else {
          const blk = Buffer.alloc(BLOCK_SIZE);
          target.copy(blk);
          sectors += this.extentTree(iblock, [{ lblock: 0, len: 1, pblock: this.allocMeta([blk]) }], ino);
          sectors += BLOCK_SIZE / 512;
          flags |= EXT4_INODE_FLAGS.EXTENTS_FL;
        }
        break;
      }
      case 'char':
      case 'block': {
        type = node.kind === 'char' ? S_IF.CHR : S_IF.BLK;
        const { devmajor: major, devminor: minor } = node;
        if (major < 256 && minor < 256) iblock.writeUInt32LE((major << 8) | minor, 0);
        else iblock.writeUInt32LE(((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0, 4);
        break;
      }
      case 'fifo':
        type = S_IF.FIFO;
        break;
      case 'socket':
        type = S_IF.SOCK;
        break;
    }
    if (links > EXT4_LINK_MAX) throw new Ext4Error('too-many-links', `${path}: ${links} hard links (ext4 allows ${EXT4_LINK_MAX})`);

    // xattrs: in the inode when they fit, else one block.
    const xs: Xattr[] = node.xattrs.size ? toExt4Xattrs(node.xattrs, path) : [];
    let fileAcl = 0;
    if (xs.length && !writeIbodyXattrs(buf, EXT4_GOOD_OLD_INODE_SIZE + EXTRA_ISIZE, INODE_SIZE, xs)) {
      const blk = xattrBlock(xs, BLOCK_SIZE);
      if (!blk) throw new Ext4Error('xattr-too-large', `${path}: extended attributes do not fit one ${BLOCK_SIZE}-byte block`);
      fileAcl = this.allocMeta([blk]);
      this.csumJobs.push({ kind: 'xattr', block: fileAcl, ino });
      sectors += BLOCK_SIZE / 512;
    }

    buf.writeUInt16LE(type | node.mode, ext4_inode.i_mode);
    buf.writeUInt16LE(node.uid & 0xffff, ext4_inode.i_uid);
    buf.writeUInt16LE(node.uid >>> 16, ext4_inode.l_i_uid_high);
    buf.writeUInt16LE(node.gid & 0xffff, ext4_inode.i_gid);
    buf.writeUInt16LE(node.gid >>> 16, ext4_inode.l_i_gid_high);
    buf.writeUInt32LE(size % 2 ** 32, ext4_inode.i_size_lo);
    buf.writeUInt32LE(Math.floor(size / 2 ** 32), ext4_inode.i_size_high);
    const { sec, nsec } = node.mtime;
    const lo = sec | 0;
    const extra = ((((sec - lo) / 2 ** 32) & 3) | (nsec << 2)) >>> 0;
    for (const [t, x] of [
      [ext4_inode.i_atime, ext4_inode.i_atime_extra],
      [ext4_inode.i_ctime, ext4_inode.i_ctime_extra],
      [ext4_inode.i_mtime, ext4_inode.i_mtime_extra],
      [ext4_inode.i_crtime, ext4_inode.i_crtime_extra],
    ] as const) {
      buf.writeInt32LE(lo, t);
      buf.writeUInt32LE(extra, x);
    }
    buf.writeUInt16LE(links, ext4_inode.i_links_count);
    buf.writeUInt32LE(sectors % 2 ** 32, ext4_inode.i_blocks_lo);
    buf.writeUInt16LE(Math.floor(sectors / 2 ** 32), ext4_inode.l_i_blocks_high);
    buf.writeUInt32LE(flags, ext4_inode.i_flags);
    buf.writeUInt32LE(fileAcl, ext4_inode.i_file_acl_lo);
    buf.writeUInt16LE(EXTRA_ISIZE, ext4_inode.i_extra_isize);
  }

  /** A directory's entries, named and typed, in byte order. */
  private dirEntries(node: Node, numbers: Map<Node, number>, path: string): DirEntry[] {
    const names = [...node.entries!.keys()].sort();
    return names.map((name) => {
      const child = node.entries!.get(name)!;
      const bytes = Buffer.from(name, 'latin1');
      if (bytes.length > EXT4_NAME_LEN) throw new Ext4Error('name-too-long', `${path}/${name.slice(0, 40)}…: name is ${bytes.length} bytes (ext4 allows ${EXT4_NAME_LEN})`);
      return { name: bytes, ino: numbers.get(child)!, fileType: FILE_TYPES[child.kind] };
    });
  }

  /** Directory to its parent's inode number, filled as parents are encoded (they come first). */
  private readonly parents = new Map<Node, number>();

  /**
   * Writes an extent tree's root into i_block; leaves and index nodes that do not fit go to the
   * metadata region. Returns the 512-byte sectors its blocks take.
   */
  private extentTree(iblock: Buffer, leaves: Leaf[], ino: number): number {
    type Entry = { lblock: number; encode: (b: Buffer, off: number) => void };
    let level: Entry[] = leaves.map((l) => ({
      lblock: l.lblock,
      encode: (b, off) => {
        b.writeUInt32LE(l.lblock, off + ext4_extent.ee_block);
        b.writeUInt16LE(l.len, off + ext4_extent.ee_len);
        b.writeUInt16LE(Math.floor(l.pblock / 2 ** 32), off + ext4_extent.ee_start_hi);
        b.writeUInt32LE(l.pblock % 2 ** 32, off + ext4_extent.ee_start_lo);
      },
    }));
    let depth = 0;
    let blocks = 0;
    while (level.length > EXTENTS_IN_INODE) {
      const nodes: Buffer[] = [];
      const firsts: number[] = [];
      for (let i = 0; i < level.length; i += EXTENTS_PER_BLOCK) {
        const chunk = level.slice(i, i + EXTENTS_PER_BLOCK);
        const b = Buffer.alloc(BLOCK_SIZE);
        extentHeader(b, chunk.length, EXTENTS_PER_BLOCK, depth);
        chunk.forEach((e, j) => e.encode(b, ext4_extent_header.sizeof + j * ext4_extent.sizeof));
        nodes.push(b);
        firsts.push(chunk[0]!.lblock);
      }
      const first = this.allocMeta(nodes);
      for (let i = 0; i < nodes.length; i++) this.csumJobs.push({ kind: 'extent', block: first + i, ino });
      blocks += nodes.length;
      level = firsts.map((lblock, j) => ({
        lblock,
        encode: (b, off) => {
          b.writeUInt32LE(lblock, off + ext4_extent_idx.ei_block);
          b.writeUInt32LE((first + j) % 2 ** 32, off + ext4_extent_idx.ei_leaf_lo);
          b.writeUInt16LE(Math.floor((first + j) / 2 ** 32), off + ext4_extent_idx.ei_leaf_hi);
        },
      }));
      depth++;
    }
    extentHeader(iblock, level.length, EXTENTS_IN_INODE, depth);
    level.forEach((e, j) => e.encode(iblock, ext4_extent_header.sizeof + j * ext4_extent.sizeof));
    return blocks * (BLOCK_SIZE / 512);
  }

  private superblock(s: {
    total: number;
    groups: number;
    ipg: number;
    freeBlocks: number;
    freeInodes: number;
    uuid: Buffer;
    hashSeed: Buffer;
  }): Buffer {
    const sb = Buffer.alloc(ext4_super_block.sizeof);
    const o = ext4_super_block;
    const epoch = this.options.epoch ?? 0;
    sb.writeUInt32LE(s.groups * s.ipg, o.s_inodes_count);
    sb.writeUInt32LE(s.total, o.s_blocks_count_lo);
    sb.writeUInt32LE(s.freeBlocks, o.s_free_blocks_count_lo);
    sb.writeUInt32LE(s.freeInodes, o.s_free_inodes_count);
    sb.writeUInt32LE(0, o.s_first_data_block);
    sb.writeUInt32LE(Math.log2(BLOCK_SIZE) - 10, o.s_log_block_size);
    sb.writeUInt32LE(Math.log2(BLOCK_SIZE) - 10, o.s_log_cluster_size);
    sb.writeUInt32LE(BLOCKS_PER_GROUP, o.s_blocks_per_group);
    sb.writeUInt32LE(BLOCKS_PER_GROUP, o.s_clusters_per_group);
    sb.writeUInt32LE(s.ipg, o.s_inodes_per_group);
    sb.writeUInt32LE(epoch, o.s_wtime);
    sb.writeInt16LE(-1, o.s_max_mnt_count);
    sb.writeUInt16LE(EXT4_SUPER_MAGIC, o.s_magic);
    sb.writeUInt16LE(EXT4_VALID_FS, o.s_state);
    sb.writeUInt16LE(EXT4_ERRORS_CONTINUE, o.s_errors);
    sb.writeUInt32LE(epoch, o.s_lastcheck);
    sb.writeUInt32LE(EXT4_OS_LINUX, o.s_creator_os);
    sb.writeUInt32LE(EXT4_DYNAMIC_REV, o.s_rev_level);
    sb.writeUInt32LE(EXT4_GOOD_OLD_FIRST_INO, o.s_first_ino);
    sb.writeUInt16LE(INODE_SIZE, o.s_inode_size);
    sb.writeUInt32LE(EXT4_FEATURE_COMPAT.EXT_ATTR | EXT4_FEATURE_COMPAT.DIR_INDEX | EXT4_FEATURE_COMPAT.SPARSE_SUPER2, o.s_feature_compat);
    sb.writeUInt32LE(EXT4_FEATURE_INCOMPAT.FILETYPE | EXT4_FEATURE_INCOMPAT.EXTENTS | EXT4_FEATURE_INCOMPAT.FLEX_BG, o.s_feature_incompat);
    sb.writeUInt32LE(
      EXT4_FEATURE_RO_COMPAT.SPARSE_SUPER |
        EXT4_FEATURE_RO_COMPAT.LARGE_FILE |
        EXT4_FEATURE_RO_COMPAT.DIR_NLINK |
        EXT4_FEATURE_RO_COMPAT.EXTRA_ISIZE |
        (this.csum ? EXT4_FEATURE_RO_COMPAT.METADATA_CSUM : 0),
      o.s_feature_ro_compat,
    );
    s.uuid.copy(sb, o.s_uuid);
    Buffer.from((this.options.label ?? '').slice(0, 16), 'utf8').subarray(0, 16).copy(sb, o.s_volume_name);
    s.hashSeed.copy(sb, o.s_hash_seed);
    sb[o.s_def_hash_version] = DX_HASH_HALF_MD4;
    sb.writeUInt32LE(EXT4_DEFM.XATTR_USER | EXT4_DEFM.ACL, o.s_default_mount_opts);
    sb.writeUInt32LE(epoch, o.s_mkfs_time);
    sb.writeUInt16LE(EXTRA_ISIZE, o.s_min_extra_isize);
    sb.writeUInt16LE(EXTRA_ISIZE, o.s_want_extra_isize);
    sb.writeUInt32LE(EXT2_FLAGS.SIGNED_HASH, o.s_flags);
    sb[o.s_log_groups_per_flex] = LOG_GROUPS_PER_FLEX;
    sb.writeUInt32LE(0, o.s_backup_bgs);
    sb.writeUInt32LE(0, o.s_backup_bgs + 4);
    if (this.csum) {
      sb[o.s_checksum_type] = EXT4_CRC32C_CHKSUM;
      sb.writeUInt32LE(crc32c(0xffffffff, sb, 0, o.s_checksum), o.s_checksum);
    }
    return sb;
  }
}

const FILE_TYPES: Record<Node['kind'], number> = {
  file: EXT4_FT.REG_FILE,
  dir: EXT4_FT.DIR,
  symlink: EXT4_FT.SYMLINK,
  char: EXT4_FT.CHRDEV,
  block: EXT4_FT.BLKDEV,
  fifo: EXT4_FT.FIFO,
  socket: EXT4_FT.SOCK,
};

function extentHeader(b: Buffer, entries: number, max: number, depth: number): void {
  b.writeUInt16LE(EXT4_EXT_MAGIC, ext4_extent_header.eh_magic);
  b.writeUInt16LE(entries, ext4_extent_header.eh_entries);
  b.writeUInt16LE(max, ext4_extent_header.eh_max);
  b.writeUInt16LE(depth, ext4_extent_header.eh_depth);
}

/** One run of blocks as extents no longer than an extent may be. */
function splitRuns(lblock: number, pblock: number, len: number): Leaf[] {
  const out: Leaf[] = [];
  for (let done = 0; done < len; done += EXT_INIT_MAX_LEN) {
    out.push({ lblock: lblock + done, pblock: pblock + done, len: Math.min(EXT_INIT_MAX_LEN, len - done) });
  }
  return out;
}

function setBits(map: Uint8Array, from: number, to: number): void {
  let i = from;
  while (i < to && i & 7) map[i >> 3]! |= 1 << (i & 7), i++;
  if (i < to) {
    const wholeEnd = to & ~7;
    if (wholeEnd > i) {
      map.fill(0xff, i >> 3, wholeEnd >> 3);
      i = wholeEnd;
    }
  }
  while (i < to) map[i >> 3]! |= 1 << (i & 7), i++;
}

const POPCOUNT = new Uint8Array(256).map((_, i) => {
  let n = 0;
  for (let v = i; v; v >>= 1) n += v & 1;
  return n;
});

function countBits(map: Uint8Array, from: number, to: number): number {
  let n = 0;
  let i = from;
  while (i < to && i & 7) n += (map[i >> 3]! >> (i & 7)) & 1, i++;
  while (i + 8 <= to) n += POPCOUNT[map[i >> 3]!]!, i += 8;
  while (i < to) n += (map[i >> 3]! >> (i & 7)) & 1, i++;
  return n;
}

function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function mib(blocks: number): number {
  return (blocks * BLOCK_SIZE) / (1 << 20);
}

function formatUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
