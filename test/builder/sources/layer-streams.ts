// Test helpers: read a source's layers as the tree would, returning entry lists and hashes.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import type { RootfsSource } from '../../../builder/sources/source.js';

export interface LayerDump { name: string; sha256: string; entries: string[] }

/** Streams one opened layer fully: its uncompressed sha256 and entry names. */
export async function dumpStream(stream: Readable): Promise<{ sha256: string; entries: string[] }> {
  const hash = createHash('sha256');
  const extract = tarStream.extract();
  stream.on('data', (c: Buffer) => hash.update(c));
  stream.on('error', (err) => extract.destroy(err));
  stream.pipe(extract);
  const entries: string[] = [];
  for await (const e of extract) {
    entries.push(e.header.name);
    e.resume();
  }
  await new Promise<void>((resolve, reject) => {
    if (stream.errored) reject(stream.errored);
    if (stream.readableEnded) resolve();
    stream.once('end', resolve);
    stream.once('error', reject);
  });
  return { sha256: hash.digest('hex'), entries };
}

export async function dumpLayers(src: RootfsSource): Promise<LayerDump[]> {
  const out: LayerDump[] = [];
  for await (const layer of src.layers()) out.push({ name: layer.name, ...await dumpStream(await layer.open()) });
  return out;
}
