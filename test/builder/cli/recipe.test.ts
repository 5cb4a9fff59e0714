// cc-build RECIPE as users run it: one line on a mistake, the validated recipe on --print-config.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = path.resolve(import.meta.dirname, '../../../..');

function ccBuild(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/cc-build.js'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a recipe typo: exit 1, one line with file:line:col and the suggestion, no output folder', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-cli-'));
  const r = ccBuild('test/fixtures/recipes/typo-key.yaml', '-o', path.join(out, 'o'));
  assert.is(r.status, 1);
  assert.is(r.stderr, 'cc-build: test/fixtures/recipes/typo-key.yaml:5:5: unknown setting "pakages" in base.debian (did you mean "packages"?)\n');
  assert.not.ok(fs.existsSync(path.join(out, 'o')));
  fs.rmSync(out, { recursive: true, force: true });
});

test('a missing recipe names it', () => {
  const r = ccBuild('recipes/nope.yaml');
  assert.is(r.status, 1);
  assert.match(r.stderr, /^cc-build: recipes\/nope\.yaml: cannot read the recipe: ENOENT \(give the path to a \.yaml recipe/);
});

test('--print-config: the shipped recipes validate and print every default', () => {
  for (const name of ['minimal', 'web', 'guest']) {
    const r = ccBuild(`recipes/${name}.yaml`, '--print-config');
    assert.is(r.status, 0, r.stderr);
    const config = JSON.parse(r.stdout);
    assert.is(config.name, name);
    assert.is(config.systemd['default-target'], 'multi-user.target');
    assert.ok(config.base.debian.packages.includes('systemd-sysv'));
  }
});

test.run();
