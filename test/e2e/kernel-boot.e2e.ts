// The tuned vmlinux, built through cc-build's pipeline (or taken from its cache), boots under QEMU
// TCG to the guest init's marker, the test image shown either as virtio-pmem-pci (memory-backend-file,
// share=off) or as legacy e820 type-12 memory (cc-run's way); inside the guest, / is ext4 from pmem0
// mounted with dax=always; the image file is unchanged.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildKernel, type KernelBuild } from '../../builder/kernel/build.js';
import { checkVmlinux } from '../../builder/kernel/vmlinux-check.js';
import { makeBootTestImage, USERSPACE_MARKER } from '../../scripts/lib/boot-test-image.js';
import { bootQemu, markerUptime, qemuCmdline, type QemuBoot } from '../../scripts/lib/qemu-boot.js';
import { kernelSourceForTests } from '../builder/kernel/kernel-source.js';

let kernel: KernelBuild;

test.before(async () => {
  const source = await kernelSourceForTests();
  const started = Date.now();
  kernel = await buildKernel({ source: source.dir }, process.stdout.isTTY ? 'default' : 'simple');
  console.log(`  vmlinux ${kernel.vmlinuxPath} (${kernel.cached ? 'cached' : 'built'}, ${Date.now() - started} ms)`);
});

test('the cached vmlinux has its PVH note and page-aligned PT_LOADs', async () => {
  const layout = await checkVmlinux(kernel.vmlinuxPath);
  assert.is(layout.pvhEntry, kernel.pvhEntry);
  assert.match(kernel.cmdline, /root=\/dev\/pmem0/);
  assert.match(kernel.cmdline, /rootflags=dax=always/);
});

test('a second build of the same fragments comes from the cache at once', async () => {
  const started = Date.now();
  const again = await buildKernel({ source: (await kernelSourceForTests()).dir });
  assert.ok(again.cached);
  assert.is(again.vmlinuxPath, kernel.vmlinuxPath);
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
});

/** Boots the test image and checks, from the guest's own report, that / is ext4 on pmem0 with dax=always. */
async function bootsFromPmem(how: Pick<QemuBoot, 'pmemImage' | 'legacyPmem' | 'memory'>, image: string): Promise<void> {
  const digest = async (): Promise<string> => createHash('sha256').update(await readFile(image)).digest('hex');
  const before = await digest();
  const run = await bootQemu({ kernel: kernel.vmlinuxPath, append: qemuCmdline(kernel.cmdline), timeoutMs: 240_000, ...how });
  const show = `console:\n${run.console.slice(-2500)}`;
  assert.not.ok(run.timedOut, `QEMU timed out; ${show}`);
  const uptime = markerUptime(run.console, USERSPACE_MARKER);
  assert.ok(uptime !== undefined, `no userspace marker; ${show}`);
  console.log(`  userspace at ${uptime} s guest uptime, QEMU wall ${run.wallMs} ms`);

  const mount = /CC-ROOT-MOUNT (\S+) \/ (\S+) (\S+)/.exec(run.console);
  assert.ok(mount, show);
  assert.is(mount![2], 'ext4');
  assert.ok(mount![3]!.split(',').includes('dax=always'), `mount options ${mount![3]}`);
  const dev = /CC-ROOT-DEV (\d+) PMEM0-DEV (\d+):(\d+)/.exec(run.console);
  assert.ok(dev, `pmem0 missing; ${show}`);
  const [rootDev, major, minor] = [Number(dev![1]), Number(dev![2]), Number(dev![3])];
  assert.is(rootDev, (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12), 'the root filesystem is on pmem0');
  assert.match(run.console, /CC-INIT-DONE/);
  assert.is(run.exitCode, 0);
  assert.is(await digest(), before, 'the guest wrote to its root, but the image file must be unchanged');
}

test('boots under QEMU TCG from virtio-pmem-pci (share=off) to the init marker, root on pmem0 with dax=always', async () => {
  const image = await makeBootTestImage();
  await bootsFromPmem({ pmemImage: image }, image);
});

test('boots from a legacy e820 type-12 region (the way cc-run offers the image), root on pmem0 with dax=always', async () => {
  const image = await makeBootTestImage();
  await bootsFromPmem({ legacyPmem: { image, addr: 0x20000000 }, memory: '1G' }, image);
});

test.run();
