// Turns a possibly compressed tar stream into a plain one. The format is told by its magic bytes,
// never by the file name. gzip uses Node's zlib (on the thread pool); xz, zstd and bzip2 stream
// through the Debian tools, which are faster than any JavaScript decoder.
import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { TarError } from './reader.js';

export type Compression = 'none' | 'gzip' | 'xz' | 'zstd' | 'bzip2';

const MAGIC: [Compression, number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', [0x42, 0x5a, 0x68]],
];

export function detectCompression(head: Buffer): Compression {
  for (const [kind, magic] of MAGIC) if (magic.every((b, i) => head[i] === b)) return kind;
  return 'none';
}

const TOOLS: Record<Exclude<Compression, 'none' | 'gzip'>, [string, string[]]> = {
  xz: ['xz', ['-dc', '-T0']],
  zstd: ['zstd', ['-dcq']],
  bzip2: ['bzip2', ['-dc']],
};

/** Peeks at the first bytes of `input` and returns the uncompressed stream. */
export async function decompress(input: Readable, name: string): Promise<{ stream: Readable; compression: Compression }> {
  const { head: first, ended } = await peek(input, 6);
  // The head goes back into the stream; a stream too short to take it back is replayed instead.
  const raw = ended ? Readable.from([first], { objectMode: false }) : input;
  const compression = detectCompression(first);
  switch (compression) {
    case 'none':
      return { stream: raw, compression };
    case 'gzip': {
      const gunzip = createGunzip({ chunkSize: 1 << 18 });
      const out = new PassThrough({ highWaterMark: 1 << 20 });
      // An input error (e.g. a digest check upstream) passes through as it is, not as corrupt gzip.
      raw.on('error', (err) => {
        out.destroy(err);
        gunzip.destroy();
      });
      gunzip.on('error', (err) => out.destroy(new TarError('corrupt', `${name}: gzip data is corrupt (${err.message})`)));
      return { stream: raw.pipe(gunzip).pipe(out), compression };
    }
    default:
      return { stream: spawnDecoder(raw, compression, name), compression };
  }
}

function spawnDecoder(raw: Readable, kind: keyof typeof TOOLS, name: string): Readable {
  const [cmd, args] = TOOLS[kind];
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => {}); // the decoder exiting early is reported by its exit status
  raw.on('error', (err) => out.destroy(err));
  raw.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  child.on('error', (err) => out.destroy(new TarError('unsupported', `${name}: cannot run ${cmd} to decompress (${err.message})`, `install ${cmd}`)));
  child.on('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(new TarError('corrupt', `${name}: ${kind} data is corrupt (${stderr.trim().split('\n').pop() ?? `exit ${code}`})`));
  });
  out.on('close', () => {
    if (child.exitCode === null) child.kill();
    raw.destroy();
  });
  return out;
}

/** Reads at least `n` bytes (fewer if the stream ends first) and pushes them back. */
function peek(input: Readable, n: number): Promise<{ head: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let len = 0;
    const finish = (ended: boolean) => {
      input.off('readable', onReadable);
      input.off('end', onEnd);
      input.off('error', onError);
      const head = Buffer.concat(chunks);
      if (!ended && head.length) input.unshift(head);
      resolve({ head, ended });
    };
    const onReadable = () => {
      for (let c: Buffer | null; (c = input.read() as Buffer | null) !== null; ) {
        chunks.push(c);
        len += c.length;
        if (len >= n) return finish(false);
      }
    };
    const onEnd = () => finish(true);
    const onError = (err: Error) => {
      input.off('readable', onReadable);
      input.off('end', onEnd);
      reject(err);
    };
    input.on('readable', onReadable);
    input.once('end', onEnd);
    input.once('error', onError);
  });
}
