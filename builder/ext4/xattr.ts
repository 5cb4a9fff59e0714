// Extended attributes as ext4 stores them: in the inode's spare bytes when they fit, otherwise in
// one xattr block. Names lose their prefix to an index; POSIX ACLs are converted from the
// user-space form that tar carries to ext4's on-disk form.
import {
  ACL_TAG,
  EXT4_ACL_VERSION,
  EXT4_XATTR_INDEX,
  EXT4_XATTR_MAGIC,
  EXT4_XATTR_PAD,
  POSIX_ACL_XATTR_VERSION,
  ext4_acl_entry,
  ext4_acl_entry_short,
  ext4_xattr_entry,
  ext4_xattr_header,
  posix_acl_xattr_entry,
} from './format.js';
import { BuilderError } from '../errors.js';

export interface Xattr {
  index: number;
  /** Name without its prefix (bytes). */
  name: Buffer;
  value: Buffer;
}

const PREFIXES: [string, number][] = [
  ['user.', EXT4_XATTR_INDEX.USER],
  ['trusted.', EXT4_XATTR_INDEX.TRUSTED],
  ['security.', EXT4_XATTR_INDEX.SECURITY],
  ['system.', EXT4_XATTR_INDEX.SYSTEM],
];

/**
 * Maps xattr names (bytes, latin1 string) to ext4 entries in the order ext4 keeps them sorted
 * (index, name length, name). Names in namespaces Linux does not know are dropped.
 */
export function toExt4Xattrs(xattrs: Map<string, Buffer>, label: string): Xattr[] {
  const out: Xattr[] = [];
  for (const [full, value] of xattrs) {
    if (full === 'system.posix_acl_access' || full === 'system.posix_acl_default') {
      const index = full.endsWith('access') ? EXT4_XATTR_INDEX.POSIX_ACL_ACCESS : EXT4_XATTR_INDEX.POSIX_ACL_DEFAULT;
      out.push({ index, name: Buffer.alloc(0), value: aclToDisk(value, `${label}: ${full}`) });
      continue;
    }
    const p = PREFIXES.find(([prefix]) => full.startsWith(prefix));
    if (!p) continue;
    const name = Buffer.from(full.slice(p[0].length), 'latin1');
    if (name.length > 255) throw new XattrError(`${label}: xattr name ${full.slice(0, 40)}… is longer than 255 bytes`);
    out.push({ index: p[1], name, value });
  }
  return out.sort((a, b) => a.index - b.index || a.name.length - b.name.length || Buffer.compare(a.name, b.name));
}

export class XattrError extends BuilderError<'xattr'> {
  constructor(message: string) {
    super('xattr', message);
  }
}

function entrySize(x: Xattr): number {
  return pad4(ext4_xattr_entry.sizeof + x.name.length);
}

function pad4(n: number): number {
  return (n + EXT4_XATTR_PAD - 1) & ~(EXT4_XATTR_PAD - 1);
}

/** Bytes the entries need in an area of the given layout (entries, 4-byte terminator, values). */
function needed(xs: Xattr[]): number {
  let n = 4;
  for (const x of xs) n += entrySize(x) + pad4(x.value.length);
  return n;
}

/**
 * Writes the entries into `buf[start, end)`, whose first byte is where entries begin.
 * `base` is what value offsets are relative to. Returns false when they do not fit.
 */
function writeEntries(buf: Buffer, start: number, end: number, base: number, xs: Xattr[]): boolean {
  if (needed(xs) > end - start) return false;
  let e = start;
  let v = end;
  for (const x of xs) {
    v -= pad4(x.value.length);
    x.value.copy(buf, v);
    buf[e + ext4_xattr_entry.e_name_len] = x.name.length;
    buf[e + ext4_xattr_entry.e_name_index] = x.index;
    buf.writeUInt16LE(x.value.length === 0 ? 0 : v - base, e + ext4_xattr_entry.e_value_offs);
    buf.writeUInt32LE(0, e + ext4_xattr_entry.e_value_inum);
    buf.writeUInt32LE(x.value.length, e + ext4_xattr_entry.e_value_size);
    buf.writeUInt32LE(entryHash(x), e + ext4_xattr_entry.e_hash);
    x.name.copy(buf, e + ext4_xattr_entry.sizeof);
    e += entrySize(x);
  }
  buf.writeUInt32LE(0, e); // end of entries
  return true;
}

/** Writes xattrs into the inode body area `buf[start, end)` (start = 128 + i_extra_isize). */
export function writeIbodyXattrs(buf: Buffer, start: number, end: number, xs: Xattr[]): boolean {
  if (xs.length === 0) return true;
  const first = start + 4;
  if (!writeEntries(buf, first, end, first, xs)) {
    buf.fill(0, start, end);
    return false;
  }
  buf.writeUInt32LE(EXT4_XATTR_MAGIC, start);
  return true;
}

/** An xattr block holding all of `xs`, or null when they do not fit one block. */
export function xattrBlock(xs: Xattr[], blockSize: number): Buffer | null {
  const buf = Buffer.alloc(blockSize);
  if (!writeEntries(buf, ext4_xattr_header.sizeof, blockSize, 0, xs)) return null;
  buf.writeUInt32LE(EXT4_XATTR_MAGIC, ext4_xattr_header.h_magic);
  buf.writeUInt32LE(1, ext4_xattr_header.h_refcount);
  buf.writeUInt32LE(1, ext4_xattr_header.h_blocks);
  let hash = 0;
  for (const x of xs) {
    const h = entryHash(x);
    if (h === 0) {
      hash = 0;
      break;
    }
    hash = ((hash << 16) ^ (hash >>> 16) ^ h) >>> 0;
  }
  buf.writeUInt32LE(hash, ext4_xattr_header.h_hash);
  return buf;
}

/** ext4_xattr_hash_entry: the name bytes, then the value as little-endian 32-bit words. */
function entryHash(x: Xattr): number {
  let hash = 0;
  for (const c of x.name) hash = ((hash << 5) ^ (hash >>> 27) ^ c) >>> 0;
  if (x.value.length) {
    const padded = Buffer.alloc(pad4(x.value.length));
    x.value.copy(padded);
    for (let i = 0; i < padded.length; i += 4) hash = ((hash << 16) ^ (hash >>> 16) ^ padded.readUInt32LE(i)) >>> 0;
  }
  return hash;
}

/** posix_acl_xattr (version 2, 8-byte entries) to ext4_acl (version 1, short entries for *_OBJ). */
function aclToDisk(value: Buffer, label: string): Buffer {
  if (value.length < 4 || (value.length - 4) % posix_acl_xattr_entry.sizeof !== 0 || value.readUInt32LE(0) !== POSIX_ACL_XATTR_VERSION) {
    throw new XattrError(`${label}: malformed POSIX ACL`);
  }
  const parts: Buffer[] = [Buffer.alloc(4)];
  parts[0]!.writeUInt32LE(EXT4_ACL_VERSION, 0);
  for (let off = 4; off < value.length; off += posix_acl_xattr_entry.sizeof) {
    const tag = value.readUInt16LE(off + posix_acl_xattr_entry.e_tag);
    const perm = value.readUInt16LE(off + posix_acl_xattr_entry.e_perm);
    const full = tag === ACL_TAG.USER || tag === ACL_TAG.GROUP;
    const e = Buffer.alloc(full ? ext4_acl_entry.sizeof : ext4_acl_entry_short.sizeof);
    e.writeUInt16LE(tag, 0);
    e.writeUInt16LE(perm, 2);
    if (full) e.writeUInt32LE(value.readUInt32LE(off + posix_acl_xattr_entry.e_id), ext4_acl_entry.e_id);
    parts.push(e);
  }
  return Buffer.concat(parts);
}
