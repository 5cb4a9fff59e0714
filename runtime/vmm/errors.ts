// The VMM's error base: a kind, a message for the user, an optional hint, an ES2022 cause.

export class VmmError<K extends string = string> extends Error {
  constructor(
    readonly kind: K,
    message: string,
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export type KvmErrorKind = 'no-kvm' | 'kvm-access' | 'api-version' | 'missing-cap' | 'too-many-vcpus';
export class KvmError extends VmmError<KvmErrorKind> {}

export type ConfigErrorKind = 'memory-too-small' | 'not-ext4' | 'bad-size' | 'bad-cpus' | 'no-image' | 'no-kernel';
export class ConfigError extends VmmError<ConfigErrorKind> {}

export type VcpuErrorKind = 'unhandled-exit' | 'kvm-run';
export class VcpuError extends VmmError<VcpuErrorKind> {}
