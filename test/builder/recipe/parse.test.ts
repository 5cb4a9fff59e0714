import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RecipeError } from '../../../builder/recipe/errors.js';
import { dumpRecipe } from '../../../builder/recipe/dump.js';
import { parseRecipe, readRecipe } from '../../../builder/recipe/parse.js';
import { settingsMarkdown } from '../../../builder/recipe/docs.js';

// dist/test/builder/recipe → the repository root
const ROOT = path.resolve(import.meta.dirname, '../../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/recipes');

async function failure(name: string): Promise<RecipeError> {
  try {
    await readRecipe(path.join(FIXTURES, name));
  } catch (e) {
    if (e instanceof RecipeError) return e;
    throw e;
  }
  throw new Error(`${name} was accepted`);
}

test('a full recipe validates, with defaults and paths resolved against its folder', async () => {
  const r = await readRecipe(path.join(FIXTURES, 'full.yaml'));
  assert.is(r.name, 'full-example');
  assert.equal(r.base, { kind: 'debian', suite: 'bookworm', variant: 'essential', packages: ['systemd-sysv', 'udev'], mirror: 'http://deb.debian.org/debian' });
  assert.is(r.files[1]!.source, path.join(FIXTURES, 'files/hello.sh'));
  assert.is(r.files[1]!.mode, 0o755, 'YAML 1.2 reads 0755 as decimal; the mode keeps the octal digits');
  assert.equal(r.files[0]!.owner, { user: 'root', group: 'root' });
  assert.equal(r.users[0], { name: 'app', group: 'app', groups: ['staff'], home: '/home/app', shell: '/bin/sh' });
  assert.is(r.kernel.vmlinux, path.resolve(FIXTURES, '../kernels/vmlinux'));
  assert.is(r.image.free, 16 * 2 ** 20);
  assert.is(r.image.label, 'full-example');
  assert.equal(r.cmdline, ['quiet', 'loglevel=3']);
  assert.is(r.memory, 256 * 2 ** 20);
  assert.is(r.systemd.defaultTarget, 'multi-user.target');
  assert.ok(r.systemd.units['hello.service']!.includes('WantedBy=multi-user.target'));
  assert.equal(r.tuning, { enabled: true, strip: ['docs', 'locales', 'hwdb'], journalSize: 4 * 2 ** 20 });
  assert.ok(Object.isFrozen(r) && Object.isFrozen(r.files[0]) && Object.isFrozen(r.base), 'deep-frozen');
});

test('round trip: parse → JSON → parse gives the same recipe', async () => {
  const first = await readRecipe(path.join(FIXTURES, 'full.yaml'));
  const json = JSON.stringify(dumpRecipe(first), null, 2);
  const second = parseRecipe(json, first.file);
  assert.equal(second, first);
  assert.equal(JSON.stringify(dumpRecipe(second), null, 2), json);
});

test('a scratch recipe takes all defaults and the file name', () => {
  const r = parseRecipe('base: scratch\n', '/tmp/tiny.yaml');
  assert.is(r.name, 'tiny');
  assert.equal(r.base, { kind: 'scratch' });
  assert.equal(r.files, []);
  assert.equal(r.kernel, {});
  assert.is(r.cpus, 1);
});

test('debian: with nothing under it takes every default', () => {
  const r = parseRecipe('base:\n  debian:\n', '/tmp/d.yaml');
  assert.is(r.base.kind, 'debian');
  assert.is((r.base as { suite: string }).suite, 'bookworm');
  assert.match((r.base as { mirror: string }).mirror, /^https?:\/\//);
});

const cases: [string, RecipeError['kind'], number, number, RegExp, RegExp?][] = [
  ['typo-key.yaml', 'unknown-key', 5, 5, /unknown setting "pakages" in base\.debian/, /did you mean "packages"\?/],
  ['typo-section.yaml', 'unknown-key', 3, 1, /unknown setting "systmd"/, /did you mean "systemd"\?/],
  ['bad-mode.yaml', 'invalid-value', 7, 11, /files\.mode: "0999" is not an octal mode/],
  ['missing-base.yaml', 'missing', 1, 1, /base is required/],
  ['source-and-content.yaml', 'conflict', 3, 5, /needs exactly one of source and content/],
  ['bad-size.yaml', 'invalid-value', 3, 9, /image\.size: "lots" is not a size/, /64M/],
  ['syntax.yaml', 'syntax', 4, 1, /./],
  ['bad-unit.yaml', 'invalid-value', 5, 7, /"nginx" is not a systemd unit name/, /end in their type/],
  ['relative-guest-path.yaml', 'invalid-value', 3, 11, /"etc\/motd" is not an absolute path/, /\/etc\/motd/],
  ['two-bases.yaml', 'conflict', 2, 3, /base takes one of debian, image; found debian and image/],
];

for (const [file, kind, line, col, message, hint] of cases) {
  test(`${file}: ${kind} at ${line}:${col}`, async () => {
    const e = await failure(file);
    assert.is(e.kind, kind, e.message);
    assert.is(`${e.at.line}:${e.at.col}`, `${line}:${col}`, e.message);
    assert.ok(e.message.startsWith(`${path.join(FIXTURES, file)}:${line}:${col}: `), e.message);
    assert.match(e.message, message);
    if (hint) assert.match(e.hint ?? '', hint);
  });
}

test('a missing recipe file is a read error naming it', async () => {
  const e = await failure('no-such.yaml');
  assert.is(e.kind, 'read');
  assert.match(e.message, /no-such\.yaml: cannot read the recipe: ENOENT/);
});

test('recipes/README.md carries the table generated from the settings', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'recipes/README.md'), 'utf8');
  assert.ok(readme.includes(settingsMarkdown()), 'run: node dist/scripts/recipe-docs.js > recipes/README.md section, or update by hand');
});

test.run();
