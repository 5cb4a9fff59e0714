// The one error class of the nested-KVM lab: a one-line message for the user, an optional hint.
export type LabErrorKind = 'no-kernel' | 'no-module' | 'no-busybox' | 'no-qemu' | 'bad-scratch' | 'l1-failed' | 'no-result';

export class LabError extends Error {
  override readonly name = 'LabError';
  constructor(
    readonly kind: LabErrorKind,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown; consoleLog?: string },
  ) {
    super(message, options);
    this.consoleLog = options?.consoleLog;
  }

  /** L1's serial console up to the failure, when L1 was started. */
  readonly consoleLog: string | undefined;
}
