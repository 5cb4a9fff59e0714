// The one error class of the kernel builder: each failure names the file, option or command involved.
import { BuilderError } from '../errors.js';

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

export class KernelError extends BuilderError<KernelErrorKind> {}
