// Errors of every image source: the message names the blob, manifest, entry or file at fault.

export type SourceErrorKind =
  | 'not-found'
  | 'bad-layout'
  | 'bad-json'
  | 'missing-blob'
  | 'digest-mismatch'
  | 'size-mismatch'
  | 'bad-digest'
  | 'unknown-media-type'
  | 'platform'
  | 'ref'
  | 'bad-archive'
  | 'missing-dependency'
  | 'bad-spec';

export class SourceError extends Error {
  override name = 'SourceError';
  constructor(
    readonly kind: SourceErrorKind,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
