// The pipeline every image build shares: a temp file beside the output, a tree whose file bytes
// stream straight into it, the ext4 metadata written last, then an atomic rename. The recipe
// builder fills the tree itself (buildImage); convert applies a source's layers (convertToImage).
import { closeSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Ext4Writer, type Ext4Result } from './ext4/writer.js';
import type { RootfsSource } from './sources/source.js';
import { FileTree } from './tree/tree.js';
import { BuilderError } from './errors.js';

export interface ImageOptions {
  /** Exact image size in bytes (rounded up to 2 MiB). */
  sizeBytes?: number;
  /** Free space to leave, in bytes, when no size is given. */
  freeBytes?: number;
  /** Seconds for timestamps the input lacks; default SOURCE_DATE_EPOCH, else 0. */
  epoch?: number;
  label?: string;
  /** Aborting stops the build and removes the temp file. */
  signal?: AbortSignal;
}

export interface ImageResult extends Ext4Result {
  path: string;
}

export class ConvertError extends BuilderError<'output-folder-missing' | 'output-is-directory'> {}

/** Builds an ext4 image at `outPath` from whatever `fill` puts into the tree. */
export async function buildImage(outPath: string, options: ImageOptions, fill: (tree: FileTree) => Promise<void>): Promise<ImageResult> {
  const out = resolve(outPath);
  const dir = dirname(out);
  const dirStat = await stat(dir).catch(() => null);
  if (!dirStat?.isDirectory()) throw new ConvertError('output-folder-missing', `${outPath}: folder ${dir} does not exist`, `create it first: mkdir -p ${dir}`);
  if ((await stat(out).catch(() => null))?.isDirectory()) throw new ConvertError('output-is-directory', `${outPath}: is a directory`, 'give a file name, e.g. -o out/app.ext4');
  const temp = join(dir, `.${basename(out)}.${process.pid}.tmp`);
  const fd = openSync(temp, 'w+', 0o644);
  const cleanup = () => {
    try {
      closeSync(fd);
    } catch {}
    try {
      unlinkSync(temp);
    } catch {}
  };
  // A second Ctrl-C, or one while synchronous work runs, must still leave no temp file behind.
  process.on('exit', cleanup);
  try {
    const epoch = options.epoch ?? epochFromEnv();
    const writer = new Ext4Writer(fd, { sizeBytes: options.sizeBytes, freeBytes: options.freeBytes, epoch, label: options.label });
    const tree = new FileTree(writer.data, { epoch });
    await fill(tree);
    options.signal?.throwIfAborted();
    const result = writer.close(tree);
    closeSync(fd);
    renameSync(temp, out);
    return { path: out, ...result };
  } catch (err) {
    cleanup();
    throw err;
  } finally {
    process.off('exit', cleanup);
  }
}

export interface ConvertOptions extends ImageOptions {
  /** A layer starts applying (index from 0). */
  onLayer?: (name: string, index: number) => void;
  /** Tar bytes of the current layer consumed so far. */
  onProgress?: (bytes: number) => void;
  /** After the layers, before the image is written: e.g. store the run configuration. */
  finalize?: (tree: FileTree, source: RootfsSource) => Promise<void>;
}

/** Applies every layer of `source` in order and writes the image. Closes the source. */
export async function convertToImage(source: RootfsSource, outPath: string, options: ConvertOptions = {}): Promise<ImageResult> {
  try {
    return await buildImage(outPath, options, async (tree) => {
      let index = 0;
      for await (const layer of source.layers()) {
        options.onLayer?.(layer.name, index++);
        await tree.applyLayer(layer, { signal: options.signal, onProgress: options.onProgress });
      }
      await options.finalize?.(tree, source);
    });
  } finally {
    await source.close();
  }
}

function epochFromEnv(): number {
  const v = process.env.SOURCE_DATE_EPOCH;
  return v && /^\d+$/.test(v) ? Number(v) : 0;
}
