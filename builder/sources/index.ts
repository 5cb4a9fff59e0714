// The transport registry: `TRANSPORT:SPEC` (skopeo style) to the source that opens it.
// Adding a transport is one line in TRANSPORTS (and its import).
import type { RootfsSource, SourceOpener, SourceOptions } from './source.js';
import { SourceError } from './errors.js';
import { openTarSource } from './tar.js';
import { openOci } from './oci.js';
import { openOciArchive } from './oci-archive.js';
import { openDockerArchive } from './docker-archive.js';
import { openAci } from './aci.js';

export { SourceError } from './errors.js';

const TRANSPORTS: Record<string, SourceOpener> = {
  tar: openTarSource,
  oci: openOci,
  'oci-archive': openOciArchive,
  'docker-archive': openDockerArchive,
  aci: openAci,
};

export const DEFAULT_SOURCE_OPTIONS: SourceOptions = { platform: { os: 'linux', architecture: 'amd64' } };

export function transports(): string[] {
  return Object.keys(TRANSPORTS);
}

/** Opens `ref` (`tar:rootfs.tar.gz`, `-` for a tarball on stdin, `oci:dir:tag`, …). */
export async function openSource(ref: string, options: SourceOptions = DEFAULT_SOURCE_OPTIONS): Promise<RootfsSource> {
  if (ref === '-') return TRANSPORTS.tar!('-', options);
  const colon = ref.indexOf(':');
  const transport = colon > 0 ? ref.slice(0, colon) : '';
  const opener = TRANSPORTS[transport];
  if (!opener) {
    throw new SourceError(
      'unknown-transport',
      `${ref}: ${transport ? `unknown transport '${transport}'` : 'no transport prefix'}`,
      `write the source as TRANSPORT:PATH with one of: ${transports().map((t) => `${t}:`).join(', ')} (or - for a tarball on stdin)`,
    );
  }
  return opener(ref.slice(colon + 1), options);
}
