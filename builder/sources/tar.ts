// The `tar:` transport: a rootfs tarball (plain, gzip, xz, zstd or bzip2), or `-` for stdin.
// It carries no run configuration: one layer, no whiteouts.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { decompress } from '../tar/decompress.js';
import type { Layer, RootfsSource, SourceOpener } from './source.js';
import { SourceError } from './errors.js';

export const openTarSource: SourceOpener = async (spec) => {
  const stdin = spec === '-';
  if (!stdin) {
    const st = await stat(spec).catch((err: NodeJS.ErrnoException) => {
      throw new SourceError('not-found', `${spec}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, undefined, { cause: err });
    });
    if (!st.isFile()) throw new SourceError('not-found', `${spec}: not a regular file`);
  }
  const name = stdin ? 'stdin' : basename(spec);
  let opened = false;
  const layer: Layer = {
    name,
    whiteouts: false,
    async open() {
      if (stdin && opened) throw new SourceError('invalid', 'stdin can be read only once');
      opened = true;
      const input = stdin ? process.stdin : createReadStream(spec, { highWaterMark: 4 << 20 });
      return (await decompress(input, name)).stream;
    },
  };
  const source: RootfsSource = {
    ref: `tar:${spec}`,
    async *layers() {
      yield layer;
    },
    async runConfig() {
      return null;
    },
    async close() {},
  };
  return source;
};
