// Builds tar archives for tests with tar-stream (an implementation independent of ours), plus raw
// PAX entries for what tar-stream cannot write: binary xattr values.
import tar from 'tar-stream';

export interface FixtureEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  content?: Buffer | string;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** PAX records with text values (mtime with ns, SCHILY.xattr.user.*, …). */
  pax?: Record<string, string>;
}

/** Packs entries with tar-stream; `raw` blocks (see rawEntry) are spliced in before the end marker. */
export async function packTar(entries: FixtureEntry[], raw: Buffer[] = []): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const e of entries) {
    const content = typeof e.content === 'string' ? Buffer.from(e.content) : e.content;
    await new Promise<void>((resolve, reject) => {
      pack.entry(
        {
          name: e.name,
          type: e.type ?? 'file',
          mode: e.mode ?? (e.type === 'directory' ? 0o755 : 0o644),
          uid: e.uid ?? 0,
          gid: e.gid ?? 0,
          mtime: e.mtime ?? new Date(1_700_000_000_000),
          linkname: e.linkname,
          devmajor: e.devmajor,
          devminor: e.devminor,
          pax: e.pax,
          size: content?.length ?? 0,
        } as tar.Header,
        content ?? Buffer.alloc(0),
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }
  pack.finalize();
  await done;
  const all = Buffer.concat(chunks);
  const end = all.length - 1024; // tar-stream ends with two zero blocks
  return Buffer.concat([all.subarray(0, end), ...raw, all.subarray(end)]);
}

/** A ustar header block. */
export function ustarHeader(h: { name: string; type: string; size?: number; mode?: number; uid?: number; gid?: number; mtime?: number; linkname?: string }): Buffer {
  const b = Buffer.alloc(512);
  b.write(h.name, 0, 100, 'latin1');
  const oct = (v: number, off: number, len: number) => b.write(v.toString(8).padStart(len - 1, '0') + '\0', off, len, 'latin1');
  oct(h.mode ?? 0o644, 100, 8);
  oct(h.uid ?? 0, 108, 8);
  oct(h.gid ?? 0, 116, 8);
  oct(h.size ?? 0, 124, 12);
  oct(h.mtime ?? 1_700_000_000, 136, 12);
  b.write(h.type, 156, 1, 'latin1');
  if (h.linkname) b.write(h.linkname, 157, 100, 'latin1');
  b.write('ustar\x0000', 257, 8, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return b;
}

function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

/** A PAX header (records with raw byte values) followed by a regular file entry. */
export function rawEntry(name: string, records: [string, Buffer][], content: Buffer, header: { mode?: number; uid?: number; gid?: number; mtime?: number } = {}): Buffer {
  const body = Buffer.concat(
    records.map(([key, value]) => {
      const rest = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
      let len = rest.length + 1;
      while (String(len).length + rest.length !== len) len++;
      return Buffer.concat([Buffer.from(String(len)), rest]);
    }),
  );
  return Buffer.concat([
    ustarHeader({ name: `PaxHeaders/${name}`.slice(0, 99), type: 'x', size: body.length }),
    padded(body),
    ustarHeader({ name, type: '0', size: content.length, ...header }),
    padded(content),
  ]);
}

/** security.capability v2 granting cap_net_bind_service (bit 10) permitted + effective. */
export function capabilityXattr(): Buffer {
  const v = Buffer.alloc(20);
  v.writeUInt32LE(0x02000001, 0); // VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE
  v.writeUInt32LE(1 << 10, 4); // permitted[0]
  v.writeUInt32LE(0, 8); // inheritable[0]
  v.writeUInt32LE(0x80, 12); // permitted[1]: a byte that is not valid UTF-8 on its own
  v.writeUInt32LE(0xff, 16);
  return v;
}
