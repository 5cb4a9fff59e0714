// A systemd image from cc-build boots under cc-run to the serial getty that multi-user.target
// starts: recipes/minimal.yaml built here as a user would (or CC_SYSTEMD_IMAGE = path/to/NAME.ext4
// with NAME.json beside it); image and kernel come from its build manifest. SIGINT then stops the
// VM cleanly.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runInLab } from '../../scripts/kvm-lab.js';
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
    const out = join(dir, 'console');
    const script = [
      `node bin/cc-run.js ${image} --timeout 900 --json >${out} 2>${dir}/err & pid=$!`,
      `while kill -0 $pid 2>/dev/null && ! grep -q ' login: *$' ${out}; do sleep 1; done`,
      `kill -INT $pid; wait $pid; echo $? >${dir}/rc`,
    ].join('\n');
    const lab = await runInLab({ command: script, scratchDir: dir, timeoutS: 1200 });
    assert.is(lab.exitCode, 0, lab.stderr);
    const console_ = readFileSync(out, 'utf8');
    assert.match(console_, / login: *$/m, console_.slice(-3000));
    assert.is(readFileSync(join(dir, 'rc'), 'utf8').trim(), '130', readFileSync(join(dir, 'err'), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
