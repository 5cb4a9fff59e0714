// Errors of the build steps: each names the step and the recipe entry it is about.
import { BuilderError } from '../errors.js';

export type BuildErrorKind =
  | 'missing-file' // a files: source that cannot be read
  | 'unknown-account' // an owner, group or user that the guest does not have
  | 'account-exists' // a user or group the base already has, with other ids
  | 'unknown-unit' // systemd: a unit that no unit folder holds
  | 'no-install-section' // systemd.enable on a unit without [Install]
  | 'no-systemd' // systemd settings on a tree without systemd
  | 'bad-kernel' // kernel.vmlinux is not an ELF file
  | 'image-too-small' // image.size cannot hold the tree
  | 'output' // the output folder cannot be written
  | 'aborted'; // Ctrl-C or SIGTERM

export class BuildError extends BuilderError<BuildErrorKind> {}
