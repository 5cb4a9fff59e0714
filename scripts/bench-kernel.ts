// Tuned guest vmlinux vs Debian's stock kernel, in one run, under QEMU TCG, to the same userspace
// marker printed by the same init on the same root image: the tuned kernel mounts it from
// virtio-pmem with DAX, the stock kernel (with its initramfs) from a virtio disk. Boot time is the
// guest's own clock (/proc/uptime when init starts); QEMU wall time to the marker is shown too.
// Usage: node dist/scripts/bench-kernel.js [--runs N] [--source DIR] [--json]
import { readdirSync, statSync } from 'node:fs';
import { cac } from 'cac';
import { buildKernel } from '../builder/kernel/build.js';
import { lookup } from '../builder/kernel/cache.js';
import { makeBootTestImage, USERSPACE_MARKER } from './lib/boot-test-image.js';
import { bootQemu, markerUptime, qemuCmdline, type QemuBoot } from './lib/qemu-boot.js';

const FLOOR = 3;

interface Sample {
  uptime: number;
  wallToMarkerMs: number;
}

async function measure(boot: Omit<QemuBoot, 'watch'>, runs: number, label: string): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    let wallToMarkerMs = NaN;
    const run = await bootQemu({ ...boot, watch: { text: USERSPACE_MARKER, onSeen: (ms) => (wallToMarkerMs = ms) } });
    const uptime = markerUptime(run.console, USERSPACE_MARKER);
    if (uptime === undefined) throw new Error(`${label}: no userspace marker (exit ${run.exitCode}${run.timedOut ? ', timed out' : ''}):\n${run.console.slice(-2000)}`);
    samples.push({ uptime, wallToMarkerMs });
    process.stderr.write(`  ${label} run ${i + 1}: userspace at ${uptime.toFixed(2)} s guest uptime, ${(wallToMarkerMs / 1000).toFixed(2)} s wall\n`);
  }
  return samples;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function stockKernel(): { kernel: string; initrd: string } {
  const versions = readdirSync('/boot').filter((f) => f.startsWith('vmlinuz-')).map((f) => f.slice('vmlinuz-'.length)).sort();
  const version = versions.at(-1);
  if (!version) throw new Error('no /boot/vmlinuz-*: apt-get install linux-image-amd64');
  return { kernel: `/boot/vmlinuz-${version}`, initrd: `/boot/initrd.img-${version}` };
}

async function main(flags: { runs: number; source?: string; json?: boolean }): Promise<void> {
  const tuned = await buildKernel(flags.source ? { source: flags.source } : {}, flags.json ? 'silent' : 'simple');
  const meta = (await lookup(tuned.key))!.meta;
  const stock = stockKernel();
  const image = await makeBootTestImage();
  // The same console and quiet flags for both; only the root device differs.
  const common = 'console=ttyS0 8250.nr_uarts=1 quiet no_timer_check panic=-1 init=/init';
  const tunedSamples = await measure({ kernel: tuned.vmlinuxPath, pmemImage: image, append: qemuCmdline(tuned.cmdline) }, flags.runs, 'tuned');
  const stockSamples = await measure(
    { kernel: stock.kernel, initrd: stock.initrd, diskImage: image, append: `${common} root=/dev/vda rootfstype=ext4 rw` },
    flags.runs,
    'stock',
  );
  const t = median(tunedSamples.map((s) => s.uptime));
  const s = median(stockSamples.map((x) => x.uptime));
  const tw = median(tunedSamples.map((x) => x.wallToMarkerMs)) / 1000;
  const sw = median(stockSamples.map((x) => x.wallToMarkerMs)) / 1000;
  const result = {
    machine: 'QEMU TCG (q35, -cpu max, 1 vCPU, 512 MiB), median of ' + flags.runs,
    tuned: { vmlinux: tuned.vmlinuxPath, bytes: tuned.size, buildSeconds: meta.buildSeconds, bootSeconds: t, wallToMarkerSeconds: tw },
    stock: { kernel: stock.kernel, initrd: stock.initrd, bytes: statSync(stock.kernel).size + statSync(stock.initrd).size, bootSeconds: s, wallToMarkerSeconds: sw },
    ratio: s / t,
    wallRatio: sw / tw,
    floor: FLOOR,
  };
  if (flags.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } else {
    const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
    console.log(`\nKernel boot to userspace marker, ${result.machine}`);
    console.log('| kernel | boot (guest uptime) | QEMU wall to marker | size | compile of the cached entry |');
    console.log('|---|---|---|---|---|');
    console.log(`| tuned vmlinux (pmem, dax) | ${t.toFixed(2)} s | ${tw.toFixed(2)} s | ${mb(tuned.size)} vmlinux | ${meta.buildSeconds} s |`);
    console.log(`| Debian stock + initramfs (virtio-blk) | ${s.toFixed(2)} s | ${sw.toFixed(2)} s | ${mb(result.stock.bytes)} bzImage+initrd | — |`);
    console.log(`\nratio stock/tuned: ${result.ratio.toFixed(1)}x guest clock, ${result.wallRatio.toFixed(1)}x wall (floor ${FLOOR}x)`);
  }
  if (result.ratio < FLOOR) {
    process.stderr.write(`bench-kernel: tuned kernel is only ${result.ratio.toFixed(1)}x faster than stock (floor ${FLOOR}x)\n`);
    process.exitCode = 1;
  }
}

const cli = cac('bench-kernel');
cli
  .command('', 'Boot the tuned vmlinux and the stock Debian kernel under QEMU TCG and compare')
  .option('--runs <n>', 'Boots per kernel', { default: 3 })
  .option('--source <dir>', 'Kernel source tree for the tuned build')
  .option('--json', 'Print the figures as JSON')
  .action((flags: { runs: number; source?: string; json?: boolean }) =>
    main({ ...flags, runs: Number(flags.runs) }).catch((error: Error) => {
      process.stderr.write(`bench-kernel: ${error.message}\n`);
      process.exitCode = 1;
    }),
  );
cli.help();
cli.parse();
