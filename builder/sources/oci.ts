// `oci:DIR[:REF]`: an OCI image layout directory (skopeo's `oci:` transport).
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { layoutSource, type LayoutFiles } from './oci-layout.js';
import type { SourceOpener } from './source.js';
import { SourceError } from './errors.js';

/** `PATH[:REF]` split at the first colon, as skopeo does. */
export function splitPathRef(spec: string): { path: string; ref?: string } {
  const i = spec.indexOf(':');
  if (i < 0) return { path: spec };
  return i === spec.length - 1 ? { path: spec.slice(0, i) } : { path: spec.slice(0, i), ref: spec.slice(i + 1) };
}

export const openOci: SourceOpener = async (spec, options) => {
  const { path, ref } = splitPathRef(spec);
  const st = await stat(path).catch(() => null);
  if (!st?.isDirectory()) {
    throw new SourceError('not-found', `oci:${path}: no such directory`, 'oci: takes an OCI layout directory; for a tar use oci-archive:');
  }
  const blobPath = (d: { algorithm: string; hex: string }) => join(path, 'blobs', d.algorithm, d.hex);
  const files: LayoutFiles = {
    label: path,
    readTop: (name) => readFile(join(path, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    }),
    blobSize: async (d) => {
      const s = await stat(blobPath(d)).catch(() => null);
      return s?.isFile() ? s.size : null;
    },
    openBlob: (d) => createReadStream(blobPath(d)),
    close: async () => {},
  };
  return layoutSource(files, ref, `oci:${spec}`, options);
};
