// A real Debian rootfs (mmdebstrap --variant=minbase bookworm, made by scripts/make-debian-rootfs.ts
// and cached in /var/tmp/cc-image) converts, passes e2fsck, is DAX-ready, and matches the tarball
// entry by entry when loop-mounted. Slow (network, ~100 MB): not in the default test run.
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { convertToImage } from '../../builder/convert.js';
import { openSource } from '../../builder/sources/index.js';
import { DEFAULT_ROOTFS, makeDebianRootfs } from '../../scripts/make-debian-rootfs.js';
import { assertFsckClean, canMount, compareWithTar, run, sha256File, tarIndex, withMount } from '../helpers/image-check.js';

const dir = mkdtempSync(join(tmpdir(), 'cc-debian-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

let tarball = '';
let image = '';

test('Debian minbase converts and passes e2fsck -fn', async () => {
  tarball = makeDebianRootfs(process.env.CC_ROOTFS ?? DEFAULT_ROOTFS);
  image = join(dir, 'debian.ext4');
  const result = await convertToImage(await openSource(`tar:${tarball}`), image, { epoch: 0 });
  assert.ok(result.usedInodes > 1000, `${result.usedInodes} inodes`);
  assertFsckClean(image);
});

test('what DAX needs: 4 KiB blocks, no inline_data, size a multiple of 2 MiB', () => {
  const sb = run('dumpe2fs', ['-h', image]).stdout;
  assert.match(sb, /Block size:\s+4096/);
  assert.not.match(sb, /inline_data/);
  assert.is(statSync(image).size % (2 << 20), 0);
});

test('loop-mounted, it matches the tarball entry by entry', async () => {
  if (!canMount()) return;
  const index = await tarIndex(createReadStream(tarball));
  await withMount(image, (root) => {
    const checked = compareWithTar(root, index);
    assert.ok(checked === index.size - 1, `checked ${checked} of ${index.size - 1} entries`);
  });
});

test('deterministic on a real rootfs', async () => {
  const again = join(dir, 'again.ext4');
  await convertToImage(await openSource(`tar:${tarball}`), again, { epoch: 0 });
  assert.is(sha256File(again), sha256File(image));
});

test.run();
