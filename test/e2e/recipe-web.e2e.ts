// recipes/web.yaml end to end: a Debian daemon (busybox httpd) installed by mmdebstrap, run as
// the recipe's user by the recipe's unit, answers on port 80 inside the guest booted under QEMU.
// CC_TEST_VMLINUX works as in recipe-minimal.e2e.ts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BuildResult } from '../../builder/steps/pipeline.js';
import { bootQemu } from '../../scripts/lib/qemu-boot.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-recipe-web-'));

test.after(() => fs.rmSync(work, { recursive: true, force: true }));

test('web.yaml builds and its httpd answers inside the booted guest', async () => {
  let recipe = path.join(ROOT, 'recipes/web.yaml');
  if (process.env['CC_TEST_VMLINUX']) {
    // A copy beside the original keeps `source: web/index.html` resolving.
    const copy = path.join(ROOT, 'recipes', `.web-e2e-${process.pid}.yaml`);
    fs.writeFileSync(copy, `${fs.readFileSync(recipe, 'utf8')}kernel:\n  vmlinux: ${path.resolve(process.env['CC_TEST_VMLINUX'])}\n`);
    recipe = copy;
  }
  try {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/cc-build.js'), recipe, '-o', work, '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.is(r.status, 0, r.stderr);
    const result: BuildResult = JSON.parse(r.stdout);
    const append = result.manifest.cmdline;
    let answeredMs: number | undefined;
    const run = await bootQemu({
      kernel: result.outputs.kernel,
      pmemImage: result.outputs.image,
      append,
      timeoutMs: 300_000,
      watch: { text: 'Hello from a cc guest</h1>', onSeen: (ms) => (answeredMs = ms), stop: true },
    });
    const show = `console:\n${run.console.slice(-3000)}`;
    assert.match(run.console, /web-check: <!doctype html>\n<title>cc<\/title>\n<h1>Hello from a cc guest<\/h1>/, show);
    console.log(`  image ${(result.manifest.image!.size / 2 ** 20).toFixed(1)} MiB; page served after ${answeredMs} ms of QEMU (TCG) wall time`);
  } finally {
    if (recipe !== path.join(ROOT, 'recipes/web.yaml')) fs.rmSync(recipe, { force: true });
  }
});

test.run();
