// The shape every builder error shares: a `kind` that callers and tests switch on, a message for
// the user that names the file, field or entry, an optional hint, and ES2022 `cause`. Each module
// declares its own subclass and kinds (KernelError, SourceError, …); the CLI prints message and hint.
export class BuilderError<Kind extends string> extends Error {
  constructor(
    readonly kind: Kind,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
