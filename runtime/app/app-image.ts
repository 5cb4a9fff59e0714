// Recognises an app image (one `cc-build convert` made: its run config at /.cc/image.json) and
// reads what the host needs from it: the run config and the image's account files.
import { IMAGE_CONFIG_PATH, type ImageRunConfig } from '../../manifest/image-manifest.js';
import { ConfigError } from '../vmm/errors.js';
import { Ext4ReadError, Ext4Reader } from './ext4-reader.js';
import type { Accounts } from './overrides.js';

export interface AppImage {
  config: ImageRunConfig;
  accounts: Accounts;
}

/** The app image's run config and accounts, or undefined for an image without one (an OS image). */
export function readAppImage(path: string): AppImage | undefined {
  const reader = Ext4Reader.open(path);
  try {
    let raw: Buffer | undefined;
    try {
      raw = reader.readFileIfExists(IMAGE_CONFIG_PATH);
    } catch (e) {
      // Block-mapped or inline directories (ext2/ext3-style images): not from convert, so an OS image.
      if (e instanceof Ext4ReadError && e.kind === 'unsupported') return undefined;
      throw e;
    }
    if (!raw) return undefined;
    let config: ImageRunConfig;
    try {
      config = JSON.parse(raw.toString('utf8')) as ImageRunConfig;
    } catch (e) {
      throw new ConfigError('no-image', `${path}: ${IMAGE_CONFIG_PATH} is not JSON: ${(e as Error).message}`, undefined, { cause: e });
    }
    if (config.schema !== 'cc.image.v1') {
      throw new ConfigError('no-image', `${path}: ${IMAGE_CONFIG_PATH} has unknown schema ${JSON.stringify(config.schema)}`);
    }
    const text = (p: string) => reader.readFileIfExists(p)?.toString('utf8');
    const passwd = text('/etc/passwd');
    const group = text('/etc/group');
    return { config, accounts: { ...(passwd !== undefined ? { passwd } : {}), ...(group !== undefined ? { group } : {}) } };
  } finally {
    reader.close();
  }
}
