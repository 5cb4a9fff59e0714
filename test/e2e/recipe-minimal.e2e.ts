// cc-build recipes/minimal.yaml end to end: mmdebstrap (or its cached tarball), the tuned kernel
// (built, or from its cache), the image checked by a read-only loop mount for every tuning step,
// then a boot under QEMU TCG from virtio-pmem (share=off) to multi-user.target on the console.
//
// CC_TEST_VMLINUX=/path/to/vmlinux builds a copy of the recipe with that prebuilt kernel instead
// (a machine where the tuned kernel is not cached yet: the build takes ~25 min on 2 cores).
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BuildResult } from '../../builder/steps/pipeline.js';
import { JOURNALD_DROPIN, MASKED_UNITS } from '../../builder/steps/guest-tuning.js';
import { assertFsckClean, canMount, sha256File, withMount } from '../helpers/image-check.js';
import { bootBuilt, ccBuild, recipeWithTestKernel, ROOT } from '../helpers/recipe-build.js';
import { scratchDir } from '../helpers/scratch.js';

const work = scratchDir('recipe-e2e');
const recipe = () => recipeWithTestKernel(path.join(ROOT, 'recipes/minimal.yaml'), path.join(work, 'minimal.yaml'));
let result: BuildResult;

test.before(() => {
  const r = ccBuild(recipe(), '-o', path.join(work, 'out'), '--json');
  assert.is(r.status, 0, r.stderr);
  result = JSON.parse(r.stdout);
  console.log(`  built in ${r.ms} ms: ${JSON.stringify(result.timings)}`);
});

test('the image is at most 80 MB, fsck-clean, and the manifest names it', () => {
  assert.ok(result.manifest.image!.size <= 80e6, `${result.manifest.image!.size} bytes`);
  assert.is(result.manifest.image!.sha256, sha256File(result.outputs.image));
  assertFsckClean(result.outputs.image);
  console.log(`  image ${(result.manifest.image!.size / 2 ** 20).toFixed(1)} MiB`);
});

test('every tuning step is in the image', async () => {
  if (!canMount()) return;
  await withMount(result.outputs.image, (root) => {
    const at = (p: string) => path.join(root, p);
    const masked = Object.keys(MASKED_UNITS).filter((u) => fs.existsSync(at(`etc/systemd/system/${u}`)));
    for (const unit of ['getty@.service', 'getty-static.service', 'modprobe@.service', 'systemd-remount-fs.service', 'fstrim.timer']) {
      assert.is(fs.readlinkSync(at(`etc/systemd/system/${unit}`)), '/dev/null', `${unit} masked`);
    }
    console.log(`  masked: ${masked.length} units`);
    assert.is(fs.readFileSync(at('etc/machine-id'), 'utf8'), '');
    assert.match(fs.readFileSync(at(JOURNALD_DROPIN.slice(1)), 'utf8'), /Storage=persistent/);
    assert.not.ok(fs.existsSync(at('etc/fstab')));
    assert.is(fs.readdirSync(at('usr/share/doc')).length, 0, 'docs left out');
    assert.not.ok(fs.existsSync(at('usr/share/locale/de')), 'locales left out');
    assert.not.ok(fs.existsSync(at('usr/lib/systemd/systemd-udevd')), 'no udev');
    assert.not.match(fs.readFileSync(at('etc/systemd/system/serial-getty@.service'), 'utf8'), /^BindsTo=/m, 'the serial getty waits for no device');
    assert.not.ok(fs.existsSync(at('usr/bin/perl')), 'perl left out');
    assert.ok(fs.existsSync(at('usr/lib/systemd/systemd')));
    assert.is(fs.readlinkSync(at('etc/systemd/system/default.target')), '/usr/lib/systemd/system/multi-user.target');
    assert.is(fs.readFileSync(at('etc/hostname'), 'utf8'), 'minimal\n');
  });
});

test('a rebuild of the unchanged recipe comes from the cache, identical, in under a second of build time', () => {
  const r = ccBuild(recipe(), '-o', path.join(work, 'again'), '--json');
  assert.is(r.status, 0, r.stderr);
  const again: BuildResult = JSON.parse(r.stdout);
  assert.ok(again.cached.image);
  assert.is(again.manifest.image!.sha256, result.manifest.image!.sha256);
  assert.ok(again.timings['total']! < 1000, `build steps took ${again.timings['total']} ms`);
  console.log(`  cached rebuild: ${again.timings['total']} ms in the pipeline, ${r.ms} ms with node start-up`);
});

test('boots under QEMU TCG from virtio-pmem to multi-user.target; the image file is unchanged', async () => {
  const before = sha256File(result.outputs.image);
  // The manifest's command line, with systemd's status lines shown on the console.
  const append = [...result.manifest.cmdline.split(' ').filter((a) => a !== 'quiet'), 'systemd.show_status=1'].join(' ');
  let reachedMs: number | undefined;
  const run = await bootBuilt(result, append, { text: 'login:', onSeen: (ms) => (reachedMs = ms), stop: true });
  const plain = run.console.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  const show = `console:\n${plain.slice(-3000)}`;
  assert.match(plain, /Reached target .*Multi-User System/, show);
  assert.not.match(plain, /FAILED/, show);
  // rootflags=dax=always: ext4 refuses the mount (and the kernel panics) where pmem cannot do DAX.
  assert.match(plain, /EXT4-fs \(pmem0\): mounted filesystem/, show);
  assert.is(sha256File(result.outputs.image), before, 'MAP_PRIVATE: the image never changes');
  console.log(`  login prompt after ${reachedMs} ms of QEMU (TCG) wall time`);
});

test.run();
