// The shared guest OS that app images boot on: `cc-build recipes/guest.yaml` builds it as
// guest.ext4 with guest.json (kernel, command line, defaults) beside it.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BuildManifest } from '../../manifest/image-manifest.js';
import { manifestRelative, readManifest } from '../cli/defaults.js';
import { ConfigError } from '../vmm/errors.js';
import { checkExt4Image } from '../vmm/image-check.js';

/** Where the guest OS is looked for when --guest is not given, in order. */
export function guestCandidates(env: Record<string, string | undefined> = process.env): string[] {
  return [env.CC_GUEST, 'out/guest.ext4'].filter((p): p is string => !!p).map((p) => resolve(p));
}

export interface GuestOs {
  image: string;
  manifest?: BuildManifest;
  /** The kernel its build manifest names (absolute), if any. */
  kernel?: string;
}

export function findGuestOs(given?: string): GuestOs {
  const image = given ?? guestCandidates().find((p) => existsSync(p));
  if (!image || !existsSync(image)) {
    throw new ConfigError('no-image',
      given ? `${given}: no such guest OS image` : `no guest OS image to run the app on (looked for ${guestCandidates().join(', ')})`,
      'build it with `cc-build recipes/guest.yaml` (writes out/guest.ext4), or pass --guest PATH / set CC_GUEST');
  }
  checkExt4Image(image);
  const found = readManifest(image);
  const kernel = found?.manifest.kernel ? manifestRelative(found.path, found.manifest.kernel.path) : undefined;
  return { image, ...(found ? { manifest: found.manifest } : {}), ...(kernel ? { kernel } : {}) };
}
