import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyOptions, parseDotConfig, satisfies } from '../../../builder/kernel/dotconfig.js';
import { KernelError } from '../../../builder/kernel/error.js';
import { DEFAULT_FRAGMENTS, FRAGMENT_DIR, loadFragments, mergeFragments, parseFragment } from '../../../builder/kernel/fragments.js';

const rejects = async (fn: () => unknown, kind: string, message: RegExp): Promise<void> => {
  try {
    await fn();
  } catch (error) {
    assert.instance(error, KernelError);
    assert.is((error as KernelError).kind, kind);
    assert.match((error as KernelError).message, message);
    return;
  }
  assert.unreachable(`expected a ${kind} error`);
};

test('parses every value form and "is not set"', () => {
  const f = parseFragment(
    ['# why', 'CONFIG_A=y', 'CONFIG_B=n', 'CONFIG_C=m', 'CONFIG_D="a \\"q\\" b"', 'CONFIG_E=42', 'CONFIG_F=0x1f', '# CONFIG_G is not set', '', '  CONFIG_H=y  '].join('\n'),
    'frag',
  );
  assert.equal(
    f.options.map((o) => [o.name, o.value, o.line]),
    [['A', 'y', 2], ['B', 'n', 3], ['C', 'm', 4], ['D', '"a \\"q\\" b"', 5], ['E', '42', 6], ['F', '0x1f', 7], ['G', 'n', 8], ['H', 'y', 10]],
  );
});

test('syntax errors name the file and line', async () => {
  await rejects(() => parseFragment('CONFIG_A=y\nCONFIG_B=yes\n', 'x.config'), 'fragment-syntax', /^x\.config:2: CONFIG_B: value yes/);
  await rejects(() => parseFragment('CONFIG_A=y # comment\n', 'x.config'), 'fragment-syntax', /^x\.config:1:/);
  await rejects(() => parseFragment('\nEXT4_FS=y\n', 'x.config'), 'fragment-syntax', /^x\.config:2: expected CONFIG_NAME=VALUE/);
  await rejects(() => parseFragment('CONFIG_S=unquoted text\n', 'x.config'), 'fragment-syntax', /^x\.config:1:/);
  await rejects(() => parseFragment('CONFIG_A=y\nCONFIG_A=n\n', 'x.config'), 'fragment-syntax', /^x\.config:2: CONFIG_A is already set on line 1/);
});

test('unknown fragment names are listed with the ones that exist', async () => {
  try {
    await loadFragments(['base', 'nope', 'alsono']);
    assert.unreachable();
  } catch (error) {
    assert.is((error as KernelError).kind, 'fragment-unknown');
    assert.match((error as KernelError).message, /nope, alsono/);
    assert.match((error as KernelError).hint!, /base, console/);
  }
});

test('the shipped fragments parse, and every option has a comment line saying why', async () => {
  const fragments = await loadFragments(DEFAULT_FRAGMENTS);
  const { readFile } = await import('node:fs/promises');
  for (const f of fragments) {
    assert.ok(f.options.length > 0, `${f.name} is empty`);
    const lines = (await readFile(join(FRAGMENT_DIR, f.name), 'utf8')).split('\n');
    for (const o of f.options) {
      // The comment may head a group of related options (CONFIG_UTS_NS … under "Namespaces for …").
      let i = o.line - 2;
      while (i >= 0 && lines[i]!.startsWith('CONFIG_')) i--;
      assert.ok(i >= 0 && lines[i]!.startsWith('# '), `${f.name}:${o.line}: CONFIG_${o.name} has no comment`);
    }
  }
  const merged = mergeFragments(fragments);
  assert.equal(merged.overrides, [], 'the shipped fragments agree with each other');
  const names = new Set(merged.options.map((o) => o.name));
  for (const needed of ['PVH', 'SERIAL_8250_CONSOLE', 'VIRTIO_MMIO', 'VIRTIO_PCI', 'VIRTIO_PMEM', 'X86_PMEM_LEGACY', 'FS_DAX', 'EXT4_FS', 'BLOCK', 'DEVTMPFS_MOUNT']) {
    assert.ok(names.has(needed), `CONFIG_${needed} is requested`);
  }
});

test('fragments given as paths; a later fragment overrides an earlier one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cc-frag-'));
  await writeFile(join(dir, 'a'), 'CONFIG_X=y\nCONFIG_Y=y\n');
  await writeFile(join(dir, 'b'), 'CONFIG_X=n\nCONFIG_Y=y\n');
  const merged = mergeFragments(await loadFragments([join(dir, 'a'), join(dir, 'b')]));
  assert.equal(merged.options.map((o) => `${o.name}=${o.value}`), ['X=n', 'Y=y']);
  assert.is(merged.overrides.length, 1);
  assert.is(merged.overrides[0]!.later.file, join(dir, 'b'));
});

test('applyOptions replaces old lines and appends the requested ones', () => {
  const base = '# head\nCONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=y\n';
  const out = applyOptions(base, [
    { name: 'B', value: 'y', file: 'f', line: 1 },
    { name: 'C', value: 'n', file: 'f', line: 2 },
  ]);
  const config = parseDotConfig(out);
  assert.is(config.get('A'), 'y');
  assert.is(config.get('B'), 'y');
  assert.is(config.get('C'), 'n');
  assert.is(out.match(/CONFIG_C/g)!.length, 1);
  assert.ok(satisfies('0x10', '16'));
  assert.ok(satisfies('m', 'y'));
  assert.not.ok(satisfies('y', 'n'));
});

test.run();
