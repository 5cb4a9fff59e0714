// A push parser for tar streams (POSIX ustar, PAX, GNU long names). Written here rather than taken
// from tar-stream because tar-stream decodes PAX values as UTF-8, which corrupts binary xattrs such
// as security.capability, and because a synchronous sink avoids a promise per entry.
//
// Names and link targets are kept as "byte strings": one UTF-16 code unit per byte (latin1), so
// names that are not valid UTF-8 survive unchanged into the image.

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

export interface Timestamp {
  sec: number;
  nsec: number;
}

export interface TarHeader {
  /** Path as bytes (latin1 string), as the archive spells it. */
  path: string;
  type: TarEntryType;
  /** Permission bits including setuid/setgid/sticky (07777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Timestamp;
  /** Symlink or hard-link target, as bytes (latin1 string). */
  linkpath: string;
  devmajor: number;
  devminor: number;
  /** xattr name (as bytes, latin1 string) to its value, byte-exact. */
  xattrs: Map<string, Buffer>;
}

/** Receives entries in order: entry(), then data() chunks totalling header.size bytes, then end(). */
export interface TarSink {
  entry(header: TarHeader): void;
  data(chunk: Buffer): void;
  end(): void;
}

export type TarErrorKind = 'truncated' | 'corrupt' | 'unsupported';

export class TarError extends Error {
  constructor(
    readonly kind: TarErrorKind,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'TarError';
  }
}

const BLOCK = 512;

type State = 'header' | 'data' | 'padding' | 'meta' | 'eof';

interface PaxRecords {
  [key: string]: Buffer;
}

export class TarReader {
  private state: State = 'header';
  private readonly header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private remaining = 0;
  private padding = 0;
  private meta: Buffer[] = [];
  private metaType = '';
  private longName: string | null = null;
  private longLink: string | null = null;
  private pax: PaxRecords | null = null;
  private globalPax: PaxRecords = {};
  private current: TarHeader | null = null;
  private zeroBlocks = 0;
  private entries = 0;

  constructor(
    private readonly sink: TarSink,
    /** Names the archive in errors. */
    private readonly archive: string,
  ) {}

  /** Path of the entry being read, for error messages. */
  get currentPath(): string | null {
    return this.current?.path ?? null;
  }

  push(chunk: Buffer): void {
    let off = 0;
    const len = chunk.length;
    while (off < len) {
      switch (this.state) {
        case 'header': {
          const take = Math.min(BLOCK - this.headerFill, len - off);
          if (this.headerFill === 0 && take === BLOCK) {
            this.onHeader(chunk.subarray(off, off + BLOCK));
          } else {
            chunk.copy(this.header, this.headerFill, off, off + take);
            this.headerFill += take;
            if (this.headerFill === BLOCK) {
              this.headerFill = 0;
              this.onHeader(this.header);
            }
          }
          off += take;
          break;
        }
        case 'data': {
          const take = Math.min(this.remaining, len - off);
          this.sink.data(chunk.subarray(off, off + take));
          off += take;
          this.remaining -= take;
          if (this.remaining === 0) this.endEntry();
          break;
        }
        case 'meta': {
          const take = Math.min(this.remaining, len - off);
          this.meta.push(chunk.subarray(off, off + take));
          off += take;
          this.remaining -= take;
          if (this.remaining === 0) this.endMeta();
          break;
        }
        case 'padding': {
          const take = Math.min(this.padding, len - off);
          off += take;
          this.padding -= take;
          if (this.padding === 0) this.state = 'header';
          break;
        }
        case 'eof':
          return; // anything after the end-of-archive marker is ignored, as GNU tar does
      }
    }
  }

  /** Call at the end of the stream: a tar that stops early is an error. */
  finish(): void {
    if (this.state === 'eof' || (this.state === 'header' && this.headerFill === 0 && this.zeroBlocks > 0)) return;
    const hint = 'the archive was cut short; download or create it again';
    const current = this.current ? printable(this.current.path) : '';
    if (this.state === 'data') {
      throw new TarError('truncated', `${this.archive}: ${current}: truncated tar (file data ends ${this.remaining} bytes early)`, hint);
    }
    if (this.entries === 0 && this.headerFill === 0 && this.state === 'header') {
      throw new TarError('truncated', `${this.archive}: empty input, not a tar archive`);
    }
    const after = this.current ? ` after ${current}` : '';
    throw new TarError('truncated', `${this.archive}: truncated tar${after} (no end-of-archive marker)`, hint);
  }

  private onHeader(h: Buffer): void {
    if (isZero(h)) {
      this.zeroBlocks++;
      if (this.zeroBlocks === 2) this.state = 'eof';
      return;
    }
    if (this.zeroBlocks > 0) {
      // A single zero block followed by more entries: some writers pad oddly; keep reading.
      this.zeroBlocks = 0;
    }
    const prev = this.current ? `after ${printable(this.current.path)}` : 'at the start';
    if (!checksumOk(h)) {
      throw new TarError('corrupt', `${this.archive}: corrupt tar header ${prev} (bad checksum)`, 'is this really a tar archive?');
    }
    const typeflag = String.fromCharCode(h[156]!);
    const size = this.num(h, 124, 12, 'size');
    switch (typeflag) {
      case 'x':
      case 'g':
      case 'L':
      case 'K':
        this.metaType = typeflag;
        this.meta = [];
        this.remaining = size;
        this.padding = pad(size);
        if (size === 0) this.endMeta();
        else this.state = 'meta';
        return;
    }
    const pax = { ...this.globalPax, ...(this.pax ?? {}) };
    this.pax = null;
    const magic = h.toString('latin1', 257, 263);
    let path = cstr(h, 0, 100);
    if (magic === 'ustar\0') {
      const prefix = cstr(h, 345, 155);
      if (prefix) path = `${prefix}/${path}`;
    }
    if (this.longName !== null) path = this.longName;
    if (pax.path) path = pax.path.toString('latin1');
    let linkpath = cstr(h, 157, 100);
    if (this.longLink !== null) linkpath = this.longLink;
    if (pax.linkpath) linkpath = pax.linkpath.toString('latin1');
    this.longName = this.longLink = null;

    let type: TarEntryType;
    switch (typeflag) {
      case '0':
      case '\0':
      case '7':
        type = path.endsWith('/') ? 'dir' : 'file';
        break;
      case '1':
        type = 'hardlink';
        break;
      case '2':
        type = 'symlink';
        break;
      case '3':
        type = 'char';
        break;
      case '4':
        type = 'block';
        break;
      case '5':
      case 'D':
        type = 'dir';
        break;
      case '6':
        type = 'fifo';
        break;
      case 'V': // volume label: carries no file
        this.skip(size);
        return;
      default:
        throw new TarError(
          'unsupported',
          `${this.archive}: ${printable(path)}: unsupported tar entry type '${printable(typeflag)}'${typeflag === 'S' ? ' (GNU sparse file)' : ''}`,
          'recreate the archive with GNU tar --format=pax or bsdtar, without --sparse',
        );
    }
    if (pax['GNU.sparse.major'] || pax['GNU.sparse.size'] || pax['GNU.sparse.map']) {
      throw new TarError('unsupported', `${this.archive}: ${printable(path)}: PAX sparse files are not supported`, 'recreate the archive without --sparse');
    }
    const xattrs = new Map<string, Buffer>();
    for (const key of Object.keys(pax)) {
      if (key.startsWith('SCHILY.xattr.')) {
        xattrs.set(key.slice('SCHILY.xattr.'.length), pax[key]!);
      } else if (key.startsWith('LIBARCHIVE.xattr.')) {
        const name = Buffer.from(decodeURIComponent(key.slice('LIBARCHIVE.xattr.'.length)), 'utf8').toString('latin1');
        if (!xattrs.has(name)) xattrs.set(name, Buffer.from(pax[key]!.toString('latin1'), 'base64'));
      }
    }
    // Only regular files and GNU dump directories carry data; like Go's archive/tar (which writes
    // most OCI layers) the size of links, devices, fifos and directories is ignored.
    const hasData = type === 'file' || typeflag === 'D';
    const dataSize = !hasData ? 0 : pax.size ? paxInt(pax.size, 'size', path, this.archive) : size;
    const header: TarHeader = {
      path,
      type,
      mode: this.num(h, 100, 8, 'mode') & 0o7777,
      uid: pax.uid ? paxInt(pax.uid, 'uid', path, this.archive) : this.num(h, 108, 8, 'uid'),
      gid: pax.gid ? paxInt(pax.gid, 'gid', path, this.archive) : this.num(h, 116, 8, 'gid'),
      size: type === 'file' ? dataSize : 0,
      mtime: pax.mtime ? paxTime(pax.mtime, path, this.archive) : { sec: this.signedNum(h, 136, 12, 'mtime'), nsec: 0 },
      linkpath,
      devmajor: pax['SCHILY.devmajor'] ? paxInt(pax['SCHILY.devmajor'], 'devmajor', path, this.archive) : type === 'char' || type === 'block' ? this.num(h, 329, 8, 'devmajor') : 0,
      devminor: pax['SCHILY.devminor'] ? paxInt(pax['SCHILY.devminor'], 'devminor', path, this.archive) : type === 'char' || type === 'block' ? this.num(h, 337, 8, 'devminor') : 0,
      xattrs,
    };
    if (header.uid > 0xffffffff || header.gid > 0xffffffff) {
      throw new TarError('corrupt', `${this.archive}: ${printable(path)}: uid/gid ${header.uid}:${header.gid} does not fit 32 bits`);
    }
    this.current = header;
    this.entries++;
    this.sink.entry(header);
    const skipped = type === 'file' ? 0 : dataSize; // a dump directory's listing
    this.remaining = header.size;
    this.padding = pad(dataSize) + skipped;
    if (this.remaining === 0) this.endEntry();
    else this.state = 'data';
  }

  private skip(size: number): void {
    this.padding = size + pad(size);
    this.state = this.padding === 0 ? 'header' : 'padding';
  }

  private endEntry(): void {
    this.sink.end();
    this.state = this.padding === 0 ? 'header' : 'padding';
  }

  private endMeta(): void {
    const body = Buffer.concat(this.meta);
    this.meta = [];
    switch (this.metaType) {
      case 'x':
        this.pax = { ...(this.pax ?? {}), ...parsePax(body, this.archive) };
        break;
      case 'g':
        this.globalPax = { ...this.globalPax, ...parsePax(body, this.archive) };
        break;
      case 'L':
        this.longName = cstr(body, 0, body.length);
        break;
      case 'K':
        this.longLink = cstr(body, 0, body.length);
        break;
    }
    this.state = this.padding === 0 ? 'header' : 'padding';
  }

  private num(h: Buffer, off: number, len: number, field: string): number {
    const v = parseNumeric(h, off, len);
    if (v === null || v < 0) {
      throw new TarError('corrupt', `${this.archive}: corrupt tar header (bad ${field} field '${printable(cstr(h, off, len))}')`);
    }
    return v;
  }

  private signedNum(h: Buffer, off: number, len: number, field: string): number {
    const v = parseNumeric(h, off, len);
    if (v === null) throw new TarError('corrupt', `${this.archive}: corrupt tar header (bad ${field} field)`);
    return v;
  }
}

function pad(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function isZero(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i += 8) if (b.readBigUInt64LE(i) !== 0n) return false;
  return true;
}

function checksumOk(h: Buffer): boolean {
  const stored = parseNumeric(h, 148, 8);
  if (stored === null) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += b;
    signed += b >= 128 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/** Octal ASCII, or base-256 when the top bit of the first byte is set (GNU/star extension). */
function parseNumeric(h: Buffer, off: number, len: number): number | null {
  const first = h[off]!;
  if (first & 0x80) {
    const negative = first === 0xff;
    let v = negative ? -1 : first & 0x7f;
    if (negative) {
      v = 0;
      for (let i = 0; i < len; i++) v = v * 256 + (0xff - h[off + i]!);
      return -(v + 1);
    }
    for (let i = 1; i < len; i++) v = v * 256 + h[off + i]!;
    return v;
  }
  let i = off;
  const end = off + len;
  while (i < end && (h[i] === 0x20 || h[i] === 0)) {
    if (h[i] === 0 && i === off) return 0; // an empty field
    i++;
  }
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = h[i]!;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) return null;
    v = v * 8 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? 0 : v;
}

function cstr(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('latin1', off, end === -1 || end > off + len ? off + len : end);
}

/** PAX extended header: records "LEN KEY=VALUE\n", values kept as raw bytes. */
function parsePax(body: Buffer, archive: string): PaxRecords {
  const out: PaxRecords = {};
  let off = 0;
  while (off < body.length) {
    if (body[off] === 0) break; // zero padding after the last record
    const sp = body.indexOf(0x20, off);
    const len = sp === -1 ? NaN : Number(body.toString('latin1', off, sp));
    if (!Number.isInteger(len) || len <= sp - off || off + len > body.length || body[off + len - 1] !== 0x0a) {
      throw new TarError('corrupt', `${archive}: corrupt PAX header (bad record at byte ${off})`);
    }
    const eq = body.indexOf(0x3d, sp + 1);
    if (eq === -1 || eq >= off + len) throw new TarError('corrupt', `${archive}: corrupt PAX header (record without '=')`);
    const key = body.toString('utf8', sp + 1, eq);
    out[key] = Buffer.from(body.subarray(eq + 1, off + len - 1));
    off += len;
  }
  return out;
}

function paxInt(v: Buffer, field: string, path: string, archive: string): number {
  const s = v.toString('latin1');
  if (!/^\d+$/.test(s)) throw new TarError('corrupt', `${archive}: ${printable(path)}: bad PAX ${field} '${printable(s)}'`);
  return Number(s);
}

function paxTime(v: Buffer, path: string, archive: string): Timestamp {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(v.toString('latin1'));
  if (!m) throw new TarError('corrupt', `${archive}: ${printable(path)}: bad PAX mtime '${printable(v.toString('latin1'))}'`);
  let sec = Number(m[2]);
  let nsec = m[3] ? Number(m[3].slice(0, 9).padEnd(9, '0')) : 0;
  if (m[1] === '-') {
    sec = -sec;
    if (nsec > 0) {
      sec -= 1;
      nsec = 1e9 - nsec;
    }
  }
  return { sec, nsec };
}

/** A byte-string path made readable for messages. */
export function printable(s: string): string {
  const utf8 = Buffer.from(s, 'latin1').toString('utf8');
  return utf8.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
