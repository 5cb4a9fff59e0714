// The error every source throws for input it cannot open or understand.
export type SourceErrorKind = 'unknown-transport' | 'not-found' | 'invalid' | 'unsupported';

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
