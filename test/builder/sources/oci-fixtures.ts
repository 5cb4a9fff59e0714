// Shared by the source tests: builds the umoci/skopeo fixtures once per test process.
import { join } from 'node:path';
import { makeOciFixtures, type OciFixtures } from '../../../scripts/make-oci-fixtures.js';
import { scratchDir } from '../../helpers/scratch.js';

let made: Promise<OciFixtures> | undefined;

/** The fixtures, or null (with the reason printed) outside CI when root or a tool is missing. */
export async function ociFixtures(): Promise<OciFixtures | null> {
  made ??= makeOciFixtures(join(scratchDir('oci'), 'fx'));
  try {
    return await made;
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    console.warn(`skipping: cannot make the OCI fixtures here (${(err as Error).message.split('\n')[0]})`);
    return null;
  }
}

export const platform = { os: 'linux', architecture: 'amd64' };
