// The error every source throws for input it cannot open or understand.
import { BuilderError } from '../errors.js';

export type SourceErrorKind =
  | 'unknown-transport' | 'not-found' | 'invalid' | 'unsupported'
  // container images (oci, oci-archive, docker-archive, aci)
  | 'bad-layout' | 'bad-json' | 'bad-archive' | 'bad-digest' | 'missing-blob' | 'digest-mismatch'
  | 'size-mismatch' | 'unknown-media-type' | 'platform' | 'ref' | 'missing-dependency';

export class SourceError extends BuilderError<SourceErrorKind> {}
