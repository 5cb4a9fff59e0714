// A size flag of cc-build (`--size`, `--free`), with the one-line error the CLI prints.
import { parseSize } from '../../manifest/size.js';

export function sizeFlag(text: string, flag: string): number {
  const bytes = parseSize(text);
  if (bytes === undefined) throw Object.assign(new Error(`${flag} ${text}: not a size`), { hint: 'write e.g. 512M, 2G or 1.5GiB' });
  return bytes;
}
