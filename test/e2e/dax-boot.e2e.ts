// The guest kernel mounts a converted image the way cc-run will: a virtio-pmem region backed by the
// image file with share=off (private copy-on-write), root mounted with dax=always, remounted
// read-write and written to; the file on disk stays unchanged. QEMU TCG (no /dev/kvm needed) and a
// built guest vmlinux (scripts/lib/guest-kernel.ts: $CC_KERNEL, else the tuned kernel).
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { convertToImage } from '../../builder/convert.js';
import { bufferSource, sha256File } from '../helpers/image-check.js';
import { packTar } from '../helpers/tar-fixture.js';
import { scratchDir } from '../helpers/scratch.js';
import { guestKernel } from '../../scripts/lib/guest-kernel.js';

const dir = scratchDir('dax');

const INIT = `#!/bin/sh
bb=/bin/busybox
$bb mount -t proc proc /proc
echo "ROOT: $($bb grep ' / ' /proc/mounts)"
$bb mount -o remount,rw / && $bb mkdir -p /w && echo written > /w/f && $bb sync && echo "RW: $($bb cat /w/f)"
echo "SUM: $($bb md5sum /big)"
$bb reboot -f
`;

test('the guest mounts the image from virtio-pmem with dax=always and writes privately', async () => {
  const vmlinux = await guestKernel();
  const big = Buffer.alloc(4 << 20);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
  const tarball = await packTar([
    { name: 'bin/busybox', content: readFileSync('/bin/busybox'), mode: 0o755 },
    { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
    { name: 'proc/', type: 'directory' },
    { name: 'dev/', type: 'directory' },
    { name: 'sbin/init', content: INIT, mode: 0o755 },
    { name: 'big', content: big },
  ]);
  const image = join(dir, 'root.ext4');
  await convertToImage(bufferSource([{ name: 'root.tar', tar: tarball }]), image);
  const before = sha256File(image);
  const r = spawnSync(
    'qemu-system-x86_64',
    [
      ...['-machine', 'q35', '-cpu', 'max', '-m', '512M,slots=2,maxmem=2G', '-nographic', '-no-reboot'],
      ...['-kernel', vmlinux],
      ...['-object', `memory-backend-file,id=pm0,share=off,mem-path=${image},size=${statSync(image).size}`],
      ...['-device', 'virtio-pmem-pci,memdev=pm0,id=pmem0'],
      ...['-append', 'console=ttyS0 root=/dev/pmem0 rootfstype=ext4 rootflags=dax=always ro init=/sbin/init panic=-1'],
    ],
    { encoding: 'utf8', timeout: 180_000 },
  );
  const console_ = r.stdout + r.stderr;
  assert.match(console_, /ROOT: \/dev\/root \/ ext4 ro,[^ ]*dax=always/, console_.slice(-3000));
  assert.match(console_, /RW: written/);
  const { createHash } = await import('node:crypto');
  assert.match(console_, new RegExp(`SUM: ${createHash('md5').update(big).digest('hex')}`));
  assert.not.match(console_, /EXT4-fs (error|warning)|checksum (invalid|mismatch)|bad block bitmap checksum/i);
  assert.is(sha256File(image), before, 'the image file is unchanged');
});

test.run();
