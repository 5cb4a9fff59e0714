// A writer for the cpio "newc" format the kernel unpacks as an initramfs
// (Documentation/driver-api/early-userspace/buffer-format.rst). Kept in memory: the lab's
// initramfs is a few MiB. Device nodes can be written without privileges.

export type CpioEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; data: Uint8Array; mode?: number }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'chardev'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const TRAILER = 'TRAILER!!!';

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
const pad4 = (n: number): number => (4 - (n % 4)) % 4;

function header(ino: number, mode: number, size: number, name: string, rdev = { major: 0, minor: 0 }): Buffer {
  const nameBytes = Buffer.from(`${name}\0`);
  const fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, rdev.major, rdev.minor, nameBytes.length, 0];
  const head = Buffer.from(`070701${fields.map(hex8).join('')}`, 'latin1');
  return Buffer.concat([head, nameBytes, Buffer.alloc(pad4(head.length + nameBytes.length))]);
}

/** Serialises entries (parents before children) into one newc archive, trailer included. */
export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    let mode: number;
    let data: Uint8Array = new Uint8Array(0);
    let rdev = { major: 0, minor: 0 };
    switch (e.type) {
      case 'dir': mode = S_IFDIR | (e.mode ?? 0o755); break;
      case 'file': mode = S_IFREG | (e.mode ?? 0o644); data = e.data; break;
      case 'symlink': mode = S_IFLNK | 0o777; data = Buffer.from(e.target); break;
      case 'chardev': mode = S_IFCHR | (e.mode ?? 0o600); rdev = { major: e.major, minor: e.minor }; break;
    }
    parts.push(header(ino++, mode, data.length, name, rdev), Buffer.from(data.buffer, data.byteOffset, data.length), Buffer.alloc(pad4(data.length)));
  }
  parts.push(header(0, 0, 0, TRAILER));
  return Buffer.concat(parts);
}
