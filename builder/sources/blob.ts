// Content-addressed blobs: digest parsing, verification while streaming, small JSON blobs.
// Shared by every image source so that each blob is checked the same way, once, as it streams.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { SourceError } from './errors.js';

export type DigestAlgorithm = 'sha256' | 'sha512';
const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

export interface Digest {
  algorithm: DigestAlgorithm;
  hex: string;
}

/** Parses `sha256:HEX` / `sha512:HEX` (OCI descriptor form); `what` names the field in errors. */
export function parseDigest(value: unknown, what: string): Digest {
  const m = typeof value === 'string' ? /^(sha256|sha512):([a-f0-9]+)$/.exec(value) : null;
  if (!m || m[2]!.length !== HEX_LENGTH[m[1] as DigestAlgorithm]) {
    throw new SourceError('bad-digest', `${what}: unsupported or malformed digest ${JSON.stringify(value)}`,
      'digests are sha256:<64 hex> or sha512:<128 hex>');
  }
  return { algorithm: m[1] as DigestAlgorithm, hex: m[2]! };
}

export const formatDigest = (d: Digest): string => `${d.algorithm}:${d.hex}`;

export interface Expected {
  digest?: Digest;
  /** Exact byte length, when the descriptor gives one. */
  size?: number;
}

/**
 * Passes bytes through unchanged and fails the stream — naming `name` — when they do not hash to
 * the expected digest or do not have the expected size. Overlong blobs fail as soon as they overrun.
 */
export class VerifyStream extends Transform {
  private readonly hash: Hash | null;
  private seen = 0;
  constructor(private readonly name: string, private readonly expected: Expected) {
    super();
    this.hash = expected.digest ? createHash(expected.digest.algorithm) : null;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.expected.size !== undefined && this.seen > this.expected.size) {
      cb(this.sizeError());
      return;
    }
    this.hash?.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    if (this.expected.size !== undefined && this.seen !== this.expected.size) {
      cb(this.sizeError());
      return;
    }
    if (this.hash && this.expected.digest) {
      const got = this.hash.digest('hex');
      if (got !== this.expected.digest.hex) {
        cb(new SourceError('digest-mismatch',
          `${this.name}: digest mismatch: expected ${formatDigest(this.expected.digest)}, got ${this.expected.digest.algorithm}:${got}`,
          'the blob is corrupt or was modified; fetch the image again'));
        return;
      }
    }
    cb();
  }
  private sizeError(): SourceError {
    return new SourceError('size-mismatch',
      `${this.name}: size mismatch: expected ${this.expected.size} bytes, got ${this.seen}${this.writableEnded ? '' : ' or more'}`,
      'the blob is truncated, corrupt or was modified');
  }
}

/** Reads a whole (small) blob — a manifest, an index, a config — verifying it. */
export async function readVerified(stream: Readable, name: string, expected: Expected, limit = 64 << 20): Promise<Buffer> {
  const verify = chain([stream, new VerifyStream(name, expected)]);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of verify) {
    total += chunk.length;
    if (total > limit) {
      verify.destroy();
      throw new SourceError('bad-layout', `${name}: larger than ${limit} bytes, not a manifest or config`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Pipes streams into each other and returns the last, which fails with the first error of any
 * stage; destroying it destroys every stage (so an abandoned layer closes its file).
 */
export function chain(stages: Readable[], mapError: (err: Error) => Error = (err) => err): Readable {
  const last = stages[stages.length - 1]!;
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i]!;
    if (i + 1 < stages.length) s.pipe(stages[i + 1] as unknown as NodeJS.WritableStream);
    if (s !== last) s.on('error', (err) => { if (!last.destroyed) last.destroy(mapError(err)); });
  }
  last.on('close', () => { for (const s of stages) if (s !== last && !s.destroyed) s.destroy(); });
  return last;
}

/** Parses a JSON document that must be an object; `name` names it in errors. */
export function parseJsonObject(data: Buffer, name: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new SourceError('bad-json', `${name}: not valid JSON: ${(err as Error).message}`, undefined, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SourceError('bad-json', `${name}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}
