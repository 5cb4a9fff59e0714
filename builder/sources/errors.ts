// The error every source throws for input it cannot open or understand.
export type SourceErrorKind =
  | 'unknown-transport' | 'not-found' | 'invalid' | 'unsupported'
  // container images (oci, oci-archive, docker-archive, aci)
  | 'bad-layout' | 'bad-json' | 'bad-archive' | 'bad-digest' | 'missing-blob' | 'digest-mismatch'
  | 'size-mismatch' | 'unknown-media-type' | 'platform' | 'ref' | 'missing-dependency';

export class SourceError extends Error {
  constructor(
    readonly kind: SourceErrorKind,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SourceError';
  }
}
