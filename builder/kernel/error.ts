// The one error class of the kernel builder: each failure names the file, option or command involved.

export type KernelErrorKind =
  | 'fragment-syntax'
  | 'fragment-unknown'
  | 'fragment-conflict'
  | 'config-unsatisfied'
  | 'not-a-kernel-tree'
  | 'source-missing'
  | 'config-failed'
  | 'compile-failed'
  | 'vmlinux-invalid'
  | 'cache';

export class KernelError extends Error {
  override name = 'KernelError';
  constructor(
    readonly kind: KernelErrorKind,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
