// Layer and archive decompression: gzip (zlib), zstd (fzstd: Node 20's zlib has none),
// bzip2 and xz (appc archives; the Debian tools, spawned).
import { spawn } from 'node:child_process';
import { Duplex, PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { chain } from './blob.js';
import { SourceError } from './source-error.js';

export type Compression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz';

/** Sniffs a compression format from a stream's first bytes (at least 6). */
export function sniffCompression(head: Buffer): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  return 'none';
}

class ZstdDecompress extends Transform {
  private readonly z = new Decompress((data) => { if (data.length) this.push(Buffer.from(data.buffer, data.byteOffset, data.length)); });
  constructor(private readonly name: string) { super(); }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try { this.z.push(chunk); cb(); } catch (err) { cb(this.fail(err)); }
  }
  override _flush(cb: TransformCallback): void {
    try { this.z.push(new Uint8Array(0), true); cb(); } catch (err) { cb(this.fail(err)); }
  }
  private fail(err: unknown): SourceError {
    return new SourceError('bad-archive', `${this.name}: corrupt zstd data: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/** `bzip2 -dc` / `xz -dc` as a duplex stream; a non-zero exit fails it naming `name`. */
function spawnFilter(cmd: string, name: string): Duplex {
  const child = spawn(cmd, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = new PassThrough();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  child.stdout.pipe(out, { end: false });
  let stdoutDone = false;
  let exit: number | null | undefined;
  const finish = () => {
    if (!stdoutDone || exit === undefined) return;
    if (exit === 0) out.end();
    else out.destroy(new SourceError('bad-archive', `${name}: ${cmd} failed: ${stderr.trim().split('\n')[0] ?? `exit ${exit}`}`));
  };
  child.stdout.on('end', () => { stdoutDone = true; finish(); });
  child.on('close', (code) => { exit = code; finish(); });
  child.on('error', (err) => out.destroy(new SourceError('bad-archive', `${name}: cannot run ${cmd}: ${err.message}`, `install ${cmd}`, { cause: err })));
  child.stdin.on('error', () => { /* reported through the exit status */ });
  const duplex = Duplex.from({ writable: child.stdin, readable: out });
  duplex.on('close', () => { if (child.exitCode === null) child.kill(); });
  return duplex;
}

/** Pipes `stream` through the decompressor for `compression` (none: returned as is). */
export function decompress(stream: Readable, compression: Compression, name: string): Readable {
  switch (compression) {
    case 'none': return stream;
    // zlib's own messages name no blob: say which one is corrupt.
    case 'gzip': return chain([stream, createGunzip(), new PassThrough()], (err) =>
      err instanceof SourceError ? err : new SourceError('bad-archive', `${name}: corrupt gzip data: ${err.message}`, undefined, { cause: err }));
    case 'zstd': return chain([stream, new ZstdDecompress(name)]);
    case 'bzip2': return chain([stream, spawnFilter('bzip2', name) as unknown as Readable]);
    case 'xz': return chain([stream, spawnFilter('xz', name) as unknown as Readable]);
  }
}

/** Reads the first bytes of a stream without consuming them from the caller's point of view. */
export async function peek(stream: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream.iterator({ destroyOnReturn: false })) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
    if (total >= n) break;
  }
  const head = Buffer.concat(chunks);
  const rest = new PassThrough();
  rest.write(head);
  stream.on('error', (err) => rest.destroy(err));
  stream.pipe(rest);
  return { head: head.subarray(0, n), stream: rest };
}

/** Decompresses whatever compression the stream's first bytes announce. */
export async function autoDecompress(stream: Readable, name: string): Promise<Readable> {
  const { head, stream: rest } = await peek(stream, 6);
  return decompress(rest, sniffCompression(head), name);
}
