// The guest's root as the steps see it: the base index with the overlay on top. Reads look
// through the overlay first; writes go to the overlay. Paths resolve through the base's symlinks
// (bookworm's /lib → usr/lib) the way the guest will see them.
import path from 'node:path';
import type { BaseIndex, EntryType } from './base-index.js';
import type { Overlay, Ownership } from './overlay.js';

export class RootView {
  constructor(
    readonly index: BaseIndex,
    readonly overlay: Overlay,
  ) {}

  /** The type at a path itself (no symlink followed in the last component). */
  typeOf(p: string): EntryType | undefined {
    const e = this.overlay.get(p);
    if (e) return e.type === 'whiteout' ? undefined : e.type;
    for (let up = path.posix.dirname(p); up !== '/'; up = path.posix.dirname(up)) {
      if (this.overlay.get(up)?.type === 'whiteout') return undefined;
    }
    return this.index.types[p];
  }

  readlink(p: string): string | undefined {
    const e = this.overlay.get(p);
    if (e) return e.type === 'symlink' ? e.target : undefined;
    return this.index.symlinks[p];
  }

  /** Follows symlinks in every component (in the last too when `followLast`), up to 40 hops. */
  resolve(p: string, followLast = true): string {
    let hops = 0;
    const parts = p.split('/').filter(Boolean);
    let done = '/';
    while (parts.length) {
      const part = parts.shift()!;
      const next = path.posix.join(done, part);
      const target = (parts.length > 0 || followLast) && this.typeOf(next) === 'symlink' ? this.readlink(next) : undefined;
      if (target === undefined) {
        done = next;
        continue;
      }
      if (++hops > 40) return next;
      parts.unshift(...target.split('/').filter(Boolean));
      if (target.startsWith('/')) done = '/';
    }
    return done;
  }

  exists(p: string): boolean {
    return this.typeOf(this.resolve(p)) !== undefined;
  }

  read(p: string): string | undefined {
    const real = this.resolve(p);
    const e = this.overlay.get(real);
    if (e) return e.type === 'file' ? e.content.toString('utf8') : undefined;
    return this.typeOf(real) === 'file' ? this.index.contents[real] : undefined;
  }

  /** Names directly inside a directory (after resolving it). */
  list(dir: string): string[] {
    const real = this.resolve(dir);
    const prefix = real === '/' ? '/' : `${real}/`;
    const names = new Set<string>();
    for (const p of [...Object.keys(this.index.types), ...this.overlay.paths()]) {
      if (p.startsWith(prefix) && !p.slice(prefix.length).includes('/') && p !== real) names.add(p.slice(prefix.length));
    }
    return [...names].filter((n) => this.typeOf(prefix + n) !== undefined).sort();
  }

  /** Writes go to where the guest would find them: parent symlinks resolved, the last name kept. */
  writeFile(p: string, content: string | Buffer, own?: Partial<Ownership>): void {
    this.overlay.file(this.resolve(p, false), content, own);
  }

  mkdir(p: string, own?: Partial<Ownership>): void {
    this.overlay.dir(this.resolve(p, false), own);
  }

  symlink(p: string, target: string): void {
    this.overlay.symlink(this.resolve(p, false), target);
  }

  remove(p: string): void {
    const real = this.resolve(p, false);
    if (this.index.types[real] !== undefined) this.overlay.remove(real);
    else this.overlay.forget(real);
  }
}
