// A systemd image from cc-build boots under cc-run to the serial getty that multi-user.target
// starts: recipes/minimal.yaml built here as a user would (or CC_SYSTEMD_IMAGE = path/to/NAME.ext4
// with NAME.json beside it); image and kernel come from its build manifest. SIGINT then stops the
// VM cleanly.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bootToLogin } from '../../scripts/lib/boot-to-login.js';
import { manifestPathFor, manifestRelative, readManifest } from '../../runtime/cli/defaults.js';
import { ccBuild, ROOT } from '../helpers/recipe-build.js';

test('a cc-build systemd image reaches its login prompt on ttyS0', async () => {
  // The lab sees the host's / but not its /tmp: the run's files go to a shared scratch folder.
  const dir = mkdtempSync(join(tmpdir(), 'cc-e2e-systemd-'));
  try {
    // Built straight into the scratch folder; a given image is copied there with its manifest and kernel.
    const given = process.env.CC_SYSTEMD_IMAGE;
    let image = join(dir, 'minimal.ext4');
    if (given) {
      assert.ok(existsSync(given), `${given}: no such image`);
      const found = readManifest(given);
      assert.ok(found?.manifest.kernel, `${manifestPathFor(given)} names no kernel`);
      image = join(dir, basename(given));
      copyFileSync(given, image);
      copyFileSync(found!.path, join(dir, basename(found!.path)));
      copyFileSync(manifestRelative(found!.path, found!.manifest.kernel!.path), join(dir, found!.manifest.kernel!.path));
    } else {
      const built = ccBuild(join(ROOT, 'recipes/minimal.yaml'), '-o', dir);
      assert.is(built.status, 0, built.stderr);
      assert.ok(readManifest(image)?.manifest.kernel, `${manifestPathFor(image)} names no kernel`);
    }
    const boot = await bootToLogin(image, dir);
    assert.is(boot.lab.exitCode, 0, boot.lab.stderr);
    assert.ok(boot.reached, boot.console.slice(-3000));
    assert.is(boot.status, 130, boot.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
