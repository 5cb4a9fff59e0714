// Layer entry paths: an image layer whose entries (or hard-link targets) climb above the root
// with `..` is refused, naming the layer and the entry, rather than silently clamped.
import { SourceError } from './errors.js';

/** Returns `path` unchanged when it stays inside the root; throws naming `layer` otherwise. */
export function insideRoot(path: string, layer: string): string {
  let depth = 0;
  for (const part of path.split('/')) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) {
      throw new SourceError('bad-archive', `${layer}: entry ${JSON.stringify(path)} escapes the image root`, 'the layer is malformed or malicious');
    }
  }
  return path;
}
