// Errors about a recipe: each names the recipe file and, where the YAML has one, the line and column.

export type RecipeErrorKind =
  | 'read' // the recipe file cannot be read
  | 'syntax' // not valid YAML
  | 'unknown-key' // a key the settings table does not know
  | 'invalid-value' // a value of the wrong type or out of range
  | 'missing' // a required setting is absent
  | 'conflict'; // two settings that exclude each other

export interface SourcePosition {
  file: string;
  line?: number;
  col?: number;
}

export class RecipeError extends Error {
  override name = 'RecipeError';
  readonly kind: RecipeErrorKind;
  readonly at: SourcePosition;
  readonly hint: string | undefined;

  constructor(kind: RecipeErrorKind, at: SourcePosition, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(`${formatPosition(at)}: ${message}`, { cause: options.cause });
    this.kind = kind;
    this.at = at;
    this.hint = options.hint;
  }
}

export function formatPosition(at: SourcePosition): string {
  if (at.line === undefined) return at.file;
  return `${at.file}:${at.line}:${at.col ?? 1}`;
}
