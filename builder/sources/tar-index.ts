// Random access into an uncompressed tar file: one pass over the headers records where each
// member's data lies, then members are read by byte range. Archives are never extracted.
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { SourceError } from './errors.js';

export interface TarMember {
  name: string;
  /** ustar typeflag: '0' file, '5' directory, '1' hard link, '2' symlink, … */
  type: string;
  /** Byte offset of the member's data in the archive. */
  offset: number;
  size: number;
  linkname: string;
}

const BLOCK = 512;

/** `./a/b/` → `a/b`: the form members are looked up by. */
export function normaliseMemberName(name: string): string {
  return name.replace(/^(\.\/)+/, '').replace(/^\/+/, '').replace(/\/+$/, '');
}

function cstring(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end === -1 || end > start + len ? start + len : end);
}

function numeric(buf: Buffer, start: number, len: number, what: string): number {
  if (buf[start]! & 0x80) {
    // GNU base-256: big-endian, first byte's top bit set.
    let v = buf[start]! & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + buf[start + i]!;
    return v;
  }
  const s = cstring(buf, start, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new Error(`bad ${what} field ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  try {
    return sum === numeric(h, 148, 8, 'checksum');
  } catch {
    return false;
  }
}

function paxRecords(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    const len = parseInt(data.toString('latin1', pos, sp), 10);
    if (sp < 0 || !(len > 0)) break;
    const rec = data.toString('utf8', sp + 1, pos + len - 1);
    const eq = rec.indexOf('=');
    out.set(rec.slice(0, eq), rec.slice(eq + 1));
    pos += len;
  }
  return out;
}

export class TarIndex {
  private constructor(
    readonly file: string,
    private readonly fh: FileHandle,
    readonly members: Map<string, TarMember>,
  ) {}

  /** Reads every header of `file` once. `label` names the archive in errors. */
  static async open(file: string, label = file): Promise<TarIndex> {
    let fh: FileHandle;
    try {
      fh = await open(file, 'r');
    } catch (err) {
      throw new SourceError('not-found', `${label}: cannot open: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, undefined, { cause: err });
    }
    try {
      const members = await TarIndex.scan(fh, label);
      return new TarIndex(file, fh, members);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  private static async scan(fh: FileHandle, label: string): Promise<Map<string, TarMember>> {
    const { size: fileSize } = await fh.stat();
    const members = new Map<string, TarMember>();
    const header = Buffer.alloc(BLOCK);
    let pos = 0;
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax = new Map<string, string>();
    const readAt = async (buf: Buffer, at: number) => {
      const { bytesRead } = await fh.read(buf, 0, buf.length, at);
      if (bytesRead !== buf.length) throw new SourceError('bad-archive', `${label}: truncated tar at byte ${at}`);
    };
    for (;;) {
      if (pos + BLOCK > fileSize) {
        // No end-of-archive block: the file was cut short, perhaps exactly between members.
        throw new SourceError('bad-archive', members.size ? `${label}: truncated tar (no end-of-archive marker)` : `${label}: not a tar archive (too short)`);
      }
      await readAt(header, pos);
      if (header.every((b) => b === 0)) break;
      if (!checksumOk(header)) {
        throw new SourceError('bad-archive', `${label}: not a tar archive or corrupt header at byte ${pos}`);
      }
      let size: number;
      try {
        size = numeric(header, 124, 12, 'size');
      } catch (err) {
        throw new SourceError('bad-archive', `${label}: header at byte ${pos}: ${(err as Error).message}`);
      }
      const type = String.fromCharCode(header[156] || 0x30);
      const dataAt = pos + BLOCK;
      if (dataAt + size > fileSize) throw new SourceError('bad-archive', `${label}: truncated tar: member at byte ${pos} runs past the end`);
      pos = dataAt + Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'x' || type === 'L' || type === 'K') {
        const data = Buffer.alloc(size);
        await readAt(data, dataAt);
        if (type === 'x') pax = paxRecords(data);
        else if (type === 'L') longName = cstring(data, 0, size);
        else longLink = cstring(data, 0, size);
        continue;
      }
      if (type === 'g') continue;
      const magic = header.toString('latin1', 257, 263);
      const prefix = magic.startsWith('ustar') && magic !== 'ustar ' ? cstring(header, 345, 155) : '';
      const raw = pax.get('path') ?? longName ?? (prefix ? `${prefix}/${cstring(header, 0, 100)}` : cstring(header, 0, 100));
      const paxSize = pax.get('size');
      const member: TarMember = {
        name: normaliseMemberName(raw),
        type,
        offset: dataAt,
        size: paxSize !== undefined ? Number(paxSize) : size,
        linkname: pax.get('linkpath') ?? longLink ?? cstring(header, 157, 100),
      };
      members.set(member.name, member);
      pax = new Map();
      longName = longLink = undefined;
    }
    return members;
  }

  /** The regular file at `name`, following links (docker save links layer.tar); undefined when there is none. */
  get(name: string): TarMember | undefined {
    let m = this.members.get(normaliseMemberName(name));
    for (let hops = 0; m && (m.type === '1' || m.type === '2') && hops < 8; hops++) {
      const target = m.type === '2' ? posix.join(posix.dirname(m.name), m.linkname) : m.linkname;
      m = this.members.get(normaliseMemberName(target));
    }
    return m && (m.type === '0' || m.type === '7') ? m : undefined;
  }

  /** Streams a member's bytes straight from the archive. */
  read(member: TarMember): Readable {
    if (member.size === 0) return Readable.from([]);
    return createReadStream(this.file, { start: member.offset, end: member.offset + member.size - 1 });
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
