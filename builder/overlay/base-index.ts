// What the recipe steps need to know about the base tree without extracting it: every path and
// its type, every symlink, and the text of the few files they edit or read (accounts, unit
// files, the dpkg database). Built in one pass over the base's tar layers, cached beside the
// base tarball as JSON.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { Layer } from '../sources/source.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

export interface BaseIndex {
  /** Absolute normalised path → type. */
  types: Record<string, EntryType>;
  symlinks: Record<string, string>;
  /** Text of the files `wantsContent` selects. */
  contents: Record<string, string>;
}

const UNIT_DIRS = /^\/(usr\/)?(lib|etc)\/systemd\/(system|user)\/[^/]+$/;
const KEEP_TEXT = new Set(['/etc/passwd', '/etc/group', '/etc/shadow', '/etc/gshadow', '/etc/hostname', '/var/lib/dpkg/status']);

function wantsContent(path: string, size: number): boolean {
  return size < 1 << 20 && (KEEP_TEXT.has(path) || UNIT_DIRS.test(path));
}

/** `./usr//bin/` → `/usr/bin`. */
export function normalizeTarPath(name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  return '/' + parts.join('/');
}

export function emptyIndex(): BaseIndex {
  return { types: { '/': 'dir' }, symlinks: {}, contents: {} };
}

/** Scans layers in order with overlay semantics (later entries win, whiteouts delete); `digest` covers every layer's bytes. */
export async function indexLayers(layers: AsyncIterable<Layer>): Promise<{ index: BaseIndex; digest: string }> {
  const index = emptyIndex();
  const hash = createHash('sha256');
  for await (const layer of layers) {
    const stream = await layer.open();
    stream.on('data', (chunk: Buffer) => hash.update(chunk));
    await indexTar(stream, layer, index);
  }
  return { index, digest: hash.digest('hex') };
}

function remove(index: BaseIndex, path: string, keepSelf: boolean): void {
  const prefix = path === '/' ? '/' : `${path}/`;
  for (const table of [index.types, index.symlinks, index.contents]) {
    for (const p of Object.keys(table)) if ((!keepSelf && p === path) || p.startsWith(prefix)) delete table[p];
  }
}

function indexTar(stream: Readable, layer: Layer, index: BaseIndex): Promise<void> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    extract.on('entry', (header, body, next) => {
      const mapped = layer.mapPath ? layer.mapPath(header.name) : header.name;
      const path = mapped === null ? null : normalizeTarPath(mapped);
      const base = path?.split('/').pop() ?? '';
      if (path !== null && layer.whiteouts && base.startsWith('.wh.')) {
        const dir = path.slice(0, path.lastIndexOf('/')) || '/';
        if (base === '.wh..wh..opq') remove(index, dir, true);
        else remove(index, `${dir === '/' ? '' : dir}/${base.slice(4)}`, false);
        body.resume();
        body.on('end', next);
        return;
      }
      if (path !== null) {
        if (index.types[path] !== undefined && header.type !== 'directory') remove(index, path, false);
        const type: EntryType = header.type === 'file' || header.type === 'contiguous-file' ? 'file' : header.type === 'directory' ? 'dir' : header.type === 'symlink' ? 'symlink' : header.type === 'link' ? 'file' : 'other';
        index.types[path] = type;
        if (header.type === 'symlink') index.symlinks[path] = header.linkname ?? '';
        if (header.type === 'link' && header.linkname) {
          // A hard link shares its target's content.
          const target = normalizeTarPath(header.linkname);
          if (index.contents[target] !== undefined && wantsContent(path, 0)) index.contents[path] = index.contents[target]!;
        }
        if (type === 'file' && header.type !== 'link' && wantsContent(path, header.size ?? 0)) {
          const chunks: Buffer[] = [];
          body.on('data', (c: unknown) => chunks.push(c as Buffer));
          body.on('end', () => {
            index.contents[path] = Buffer.concat(chunks).toString('utf8');
            next();
          });
          return;
        }
      }
      body.on('end', next);
      body.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', (e) => reject(new Error(`${layer.name}: ${e.message}`, { cause: e })));
    stream.on('error', reject);
    stream.pipe(extract);
  });
}
