// Everything the recipe adds to or removes from the base, kept in memory and applied as one last
// tar layer with OCI whiteouts. Steps write here; the image step hands `toLayer()` to the writer.
// Entries are emitted sorted, with fixed timestamps, so the layer (and its digest) depends only
// on what the steps put in.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { Layer } from '../sources/source.js';

export interface Ownership {
  mode: number;
  uid: number;
  gid: number;
}

export type OverlayEntry =
  | ({ type: 'file'; content: Buffer } & Ownership)
  | ({ type: 'dir' } & Ownership)
  | { type: 'symlink'; target: string }
  | { type: 'whiteout' };

const ROOT_DIR: Ownership = { mode: 0o755, uid: 0, gid: 0 };

export class Overlay {
  private readonly entries = new Map<string, OverlayEntry>();

  /** @param mtime seconds since the epoch for every entry (the base's SOURCE_DATE_EPOCH). */
  constructor(private readonly mtime: number) {}

  get(path: string): OverlayEntry | undefined {
    return this.entries.get(path);
  }

  paths(): string[] {
    return [...this.entries.keys()].sort();
  }

  file(path: string, content: string | Buffer, own: Partial<Ownership> = {}): void {
    this.entries.set(path, { type: 'file', content: Buffer.from(content), mode: 0o644, uid: 0, gid: 0, ...own });
  }

  dir(path: string, own: Partial<Ownership> = {}): void {
    this.entries.set(path, { type: 'dir', ...ROOT_DIR, ...own });
  }

  symlink(path: string, target: string): void {
    this.entries.set(path, { type: 'symlink', target });
  }

  /** Removes a path of the base (and drops anything the overlay put there or below). */
  remove(path: string): void {
    for (const p of this.entries.keys()) if (p.startsWith(`${path}/`)) this.entries.delete(p);
    this.entries.set(path, { type: 'whiteout' });
  }

  /** Forgets an overlay entry without whiting out the base. */
  forget(path: string): void {
    this.entries.delete(path);
  }

  /** The layer as a tar archive, in memory (it holds small config files, not packages). */
  toTar(): Promise<Buffer> {
    const pack = tar.pack();
    const chunks: Buffer[] = [];
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    const done = new Promise<Buffer>((resolve, reject) => {
      pack.on('end', () => resolve(Buffer.concat(chunks)));
      pack.on('error', reject);
    });
    const mtime = new Date(this.mtime * 1000);
    for (const path of this.paths()) {
      const e = this.entries.get(path)!;
      const name = path.slice(1);
      if (e.type === 'whiteout') {
        const slash = name.lastIndexOf('/');
        pack.entry({ name: `${name.slice(0, slash + 1)}.wh.${name.slice(slash + 1)}`, size: 0, mode: 0o644, mtime }, Buffer.alloc(0));
      } else if (e.type === 'symlink') {
        pack.entry({ name, type: 'symlink', linkname: e.target, mode: 0o777, mtime });
      } else if (e.type === 'dir') {
        pack.entry({ name, type: 'directory', mode: e.mode, uid: e.uid, gid: e.gid, mtime });
      } else {
        pack.entry({ name, mode: e.mode, uid: e.uid, gid: e.gid, mtime, size: e.content.length }, e.content);
      }
    }
    pack.finalize();
    return done;
  }

  async toLayer(name = 'recipe'): Promise<{ layer: Layer; digest: string }> {
    const bytes = await this.toTar();
    const digest = createHash('sha256').update(bytes).digest('hex');
    return { layer: { name, whiteouts: true, open: async () => Readable.from([bytes]) }, digest };
  }
}
