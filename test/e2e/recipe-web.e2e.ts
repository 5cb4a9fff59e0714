// recipes/web.yaml end to end: a Debian daemon (busybox httpd) installed by mmdebstrap, run as
// the recipe's user by the recipe's unit, answers on port 80 inside the guest booted under QEMU.
// CC_TEST_VMLINUX works as in recipe-minimal.e2e.ts.
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BuildResult } from '../../builder/steps/pipeline.js';
import { bootBuilt, ccBuild, recipeWithTestKernel, ROOT } from '../helpers/recipe-build.js';
import { scratchDir } from '../helpers/scratch.js';

const work = scratchDir('recipe-web');

test('web.yaml builds and its httpd answers inside the booted guest', async () => {
  const original = path.join(ROOT, 'recipes/web.yaml');
  // A copy beside the original keeps `source: web/index.html` resolving.
  const recipe = recipeWithTestKernel(original, path.join(ROOT, 'recipes', `.web-e2e-${process.pid}.yaml`));
  try {
    const r = ccBuild(recipe, '-o', work, '--json');
    assert.is(r.status, 0, r.stderr);
    const result: BuildResult = JSON.parse(r.stdout);
    let answeredMs: number | undefined;
    const run = await bootBuilt(result, result.manifest.cmdline, { text: 'Hello from a cc guest</h1>', onSeen: (ms) => (answeredMs = ms), stop: true });
    const show = `console:\n${run.console.slice(-3000)}`;
    assert.match(run.console, /web-check: <!doctype html>\n<title>cc<\/title>\n<h1>Hello from a cc guest<\/h1>/, show);
    console.log(`  image ${(result.manifest.image!.size / 2 ** 20).toFixed(1)} MiB; page served after ${answeredMs} ms of QEMU (TCG) wall time`);
  } finally {
    if (recipe !== original) fs.rmSync(recipe, { force: true });
  }
});

test.run();
