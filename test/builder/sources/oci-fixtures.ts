// Shared by the source tests: builds the umoci/skopeo fixtures once per test process.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeOciFixtures, type OciFixtures } from '../../../scripts/make-oci-fixtures.js';

let made: Promise<OciFixtures> | undefined;

/** The fixtures, or null (with the reason printed) outside CI when root or a tool is missing. */
export async function ociFixtures(): Promise<OciFixtures | null> {
  made ??= makeOciFixtures(join(mkdtempSync(join(tmpdir(), 'cc-oci-')), 'fx'));
  try {
    return await made;
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    console.warn(`skipping: cannot make the OCI fixtures here (${(err as Error).message.split('\n')[0]})`);
    return null;
  }
}

export const platform = { os: 'linux', architecture: 'amd64' };
