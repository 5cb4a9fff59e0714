// The one error class of the nested-KVM lab: a one-line message for the user, an optional hint.
export type LabErrorKind = 'no-kernel' | 'no-module' | 'no-busybox' | 'no-qemu' | 'l1-failed' | 'no-result';

export class LabError extends Error {
  override readonly name = 'LabError';
  constructor(
    readonly kind: LabErrorKind,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
