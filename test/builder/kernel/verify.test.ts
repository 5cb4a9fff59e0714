// Merge and olddefconfig on the real Kconfig of linux-source-6.1 (seconds, no compiling), then the
// dropped-option check: what it must catch and how it explains it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { configure } from '../../../builder/kernel/configure.js';
import { parseDotConfig } from '../../../builder/kernel/dotconfig.js';
import { DEFAULT_FRAGMENTS, loadFragments, mergeFragments, parseFragment } from '../../../builder/kernel/fragments.js';
import { type Kconfig, readKconfig } from '../../../builder/kernel/kconfig.js';
import type { KernelSource } from '../../../builder/kernel/source.js';
import { formatUnmet, verifyConfig } from '../../../builder/kernel/verify.js';
import { kernelSourceForTests } from './kernel-source.js';

let source: KernelSource;
let kconfig: Kconfig;
let buildDir: string;

test.before(async () => {
  source = await kernelSourceForTests();
  kconfig = readKconfig(source.dir);
  buildDir = await mkdtemp(join(tmpdir(), 'cc-kconfig-'));
});
test.after(() => rm(buildDir, { recursive: true, force: true }));

test('the Kconfig reader agrees with a real .config: no symbol that is on has an unmet dependency', async () => {
  const { readFile } = await import('node:fs/promises');
  const { evaluate } = await import('../../../builder/kernel/kconfig.js');
  const stock = '/boot/config-' + (await import('node:child_process')).execSync('ls /boot | grep ^config- | head -1').toString().trim().slice(7);
  const config = parseDotConfig(await readFile(stock, 'utf8'));
  const bad: string[] = [];
  for (const [name, value] of config) {
    const defs = kconfig.get(name)?.definitions ?? [];
    if (value === 'n' || defs.length !== 1) continue;
    for (const dep of defs[0]!.dependsOn) if (evaluate(dep.expr, config) === 0) bad.push(`${name}: ${dep.expr} (${dep.from})`);
  }
  assert.equal(bad, [], `checked against ${stock}`);
  assert.equal(kconfig.get('EXT4_FS')!.definitions[0]!.dependsOn.map((d) => d.expr), ['BLOCK']);
});

test('tinyconfig + EXT4_FS=y without BLOCK: ext4 is dropped, and the report names BLOCK', async () => {
  const fragment = parseFragment('# ext4 only\nCONFIG_EXT4_FS=y\nCONFIG_PRINTK=y\n', 'ext4-only.config');
  const config = parseDotConfig(await configure(source, buildDir, fragment.options));
  assert.is(config.get('BLOCK') ?? 'n', 'n', 'tinyconfig turns BLOCK off');
  const unmet = verifyConfig(fragment.options, config, kconfig);
  assert.equal(unmet.map((u) => u.option.name), ['EXT4_FS']);
  assert.is(unmet[0]!.actual, 'n');
  assert.match(unmet[0]!.reasons.join('\n'), /depends on BLOCK \(BLOCK=n\) — fs\/Kconfig:\d+ \(if BLOCK\)/);
  assert.match(formatUnmet(unmet), /^ext4-only\.config:2: CONFIG_EXT4_FS=y ended up n\n {4}depends on BLOCK/);
});

test('selected options, unknown options and choices are told apart', async () => {
  const fragment = parseFragment(
    [
      'CONFIG_BLOCK=y',
      'CONFIG_BLK_DEV=y',
      'CONFIG_64BIT=y',
      'CONFIG_LIBNVDIMM=y',
      'CONFIG_BLK_DEV_PMEM=y',
      'CONFIG_BTT=y',
      '# selected by BTT: cannot be turned off',
      '# CONFIG_ND_CLAIM is not set',
      'CONFIG_NO_SUCH_OPTION_EVER=y',
      '# no prompt: only X86_PMEM_LEGACY selects it',
      'CONFIG_X86_PMEM_LEGACY_DEVICE=y',
      'CONFIG_SERIAL_8250_NR_UARTS=2',
    ].join('\n'),
    'mixed.config',
  );
  const config = parseDotConfig(await configure(source, buildDir, fragment.options));
  const unmet = verifyConfig(fragment.options, config, kconfig);
  const byName = new Map(unmet.map((u) => [u.option.name, u]));
  assert.equal([...byName.keys()].sort(), ['ND_CLAIM', 'NO_SUCH_OPTION_EVER', 'SERIAL_8250_NR_UARTS', 'X86_PMEM_LEGACY_DEVICE']);
  assert.match(byName.get('X86_PMEM_LEGACY_DEVICE')!.reasons.join('\n'), /not settable: it has no prompt[^]*selected by: X86_PMEM_LEGACY=n/);
  assert.match(byName.get('ND_CLAIM')!.reasons.join('\n'), /selected by BTT=y/);
  assert.match(byName.get('NO_SUCH_OPTION_EVER')!.reasons[0]!, /no such option/);
  assert.match(byName.get('SERIAL_8250_NR_UARTS')!.reasons.join('\n'), /depends on SERIAL_8250 \(SERIAL_8250=n\)/);
});

test('the shipped fragments: every requested option is set as asked after olddefconfig', async () => {
  const { options } = mergeFragments(await loadFragments(DEFAULT_FRAGMENTS));
  const config = parseDotConfig(await configure(source, buildDir, options));
  const unmet = verifyConfig(options, config, kconfig);
  assert.is(formatUnmet(unmet), '');
  for (const name of ['PVH', 'VIRTIO_PMEM', 'X86_PMEM_LEGACY', 'FS_DAX', 'EXT4_FS', 'ZONE_DEVICE', 'SERIAL_8250_CONSOLE']) {
    assert.is(config.get(name), 'y', name);
  }
  assert.is(config.get('MODULES') ?? 'n', 'n');
  assert.is(config.get('ACPI_NFIT') ?? 'n', 'n');
});

test.run();
