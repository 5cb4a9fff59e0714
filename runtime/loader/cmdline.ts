// The kernel command line, validated as it is built.

export class CmdlineError extends Error {
  constructor(readonly kind: 'too-long' | 'bad-char', message: string) {
    super(message);
    this.name = 'CmdlineError';
  }
}

/** COMMAND_LINE_SIZE on x86 (arch/x86/include/asm/setup.h), including the NUL. */
export const COMMAND_LINE_SIZE = 2048;

export class Cmdline {
  private parts: string[] = [];

  constructor(readonly capacity = COMMAND_LINE_SIZE) {}

  /** Appends raw text (several words). */
  push(text: string): this {
    const t = text.trim();
    if (!t) return this;
    if (/[\0\n]/.test(t)) throw new CmdlineError('bad-char', `kernel command line: "${t}" contains a NUL or newline`);
    this.parts.push(t);
    this.check();
    return this;
  }

  /** Appends key=value. */
  insert(key: string, value: string): this {
    if (/\s/.test(key) || /\s/.test(value)) throw new CmdlineError('bad-char', `kernel command line: ${key}=${value} contains a space`);
    return this.push(`${key}=${value}`);
  }

  private check(): void {
    if (this.toString().length + 1 > this.capacity) {
      throw new CmdlineError('too-long', `kernel command line is longer than ${this.capacity - 1} bytes`);
    }
  }

  toString(): string {
    return this.parts.join(' ');
  }

  /** NUL-terminated bytes for guest memory. */
  toBytes(): Uint8Array {
    return new TextEncoder().encode(`${this}\0`);
  }
}
