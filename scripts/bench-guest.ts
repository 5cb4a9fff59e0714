// bench-guest: recipes/minimal.yaml against a plain `mmdebstrap --variant=minbase
// --include=systemd-sysv` image (no tuning, nothing left out), on the same kernel, under QEMU
// TCG from virtio-pmem. Prints image size, build time cold (an empty cache: mmdebstrap runs; the
// kernel comes from its own cache) and cached, boot time to multi-user.target and memory in use
// after boot, both measured by the guest (/proc/uptime, /proc/meminfo) from a unit ordered after
// multi-user.target that both images get. Memory in use is shown two ways: MemTotal−MemAvailable
// (procps 4 `free`) and MemTotal−MemFree−Buffers−Cached (procps 3 `free`).
//
//   node dist/scripts/bench-guest.js [--vmlinux PATH] [--json]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CacheStore } from '../builder/cache/store.js';
import { parseRecipe } from '../builder/recipe/parse.js';
import { buildRecipe, type BuildResult } from '../builder/steps/pipeline.js';
import { bootQemu } from './lib/qemu-boot.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const args = process.argv.slice(2);
const vmlinux = args.includes('--vmlinux') ? path.resolve(args[args.indexOf('--vmlinux') + 1]!) : undefined;
const json = args.includes('--json');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-bench-guest-'));
// minimal.yaml builds twice on an empty cache (cold, then cached); the plain image uses the user's cache.
const coldCache = new CacheStore(path.join(work, 'cache'));
const cache = new CacheStore();

// Runs once multi-user.target is reached: the guest's own clock and memory counters, then a marker.
const BENCH = `
files:
  - path: /usr/local/bin/cc-bench
    mode: "0755"
    content: |
      #!/bin/sh
      echo "cc-bench uptime=$(cut -d' ' -f1 /proc/uptime)" > /dev/console
      grep -E '^(MemTotal|MemFree|MemAvailable|Buffers|Cached|Shmem|AnonPages|Slab):' /proc/meminfo | sed 's/^/cc-bench /' > /dev/console
      echo "cc-bench end" > /dev/console
systemd:
  units:
    cc-bench.service: |
      [Unit]
      After=multi-user.target
      [Service]
      Type=oneshot
      ExecStart=/usr/local/bin/cc-bench
      [Install]
      WantedBy=multi-user.target
  enable: [cc-bench.service]
`;
const KERNEL = vmlinux ? `kernel:\n  vmlinux: ${vmlinux}\n` : '';

const PLAIN = `name: plain
base:
  debian:
    suite: bookworm
    variant: minbase
    packages: [systemd-sysv]
tuning:
  enabled: false
  strip: []
image:
  free: 8M
`;

async function build(name: string, yaml: string, store = cache): Promise<{ result: BuildResult; ms: number }> {
  const file = path.join(work, `${name}.yaml`);
  fs.writeFileSync(file, yaml);
  const t0 = performance.now();
  const result = await buildRecipe(parseRecipe(yaml, file), { outDir: path.join(work, 'out'), cache: store });
  return { result, ms: performance.now() - t0 };
}

interface Boot {
  bootSeconds: number;
  /** MemTotal − MemAvailable. */
  memInUseKiB: number;
  /** MemTotal − MemFree − Buffers − Cached. */
  memUsedKiB: number;
  meminfo: Record<string, number>;
  qemuWallMs: number;
}

async function boot(result: BuildResult): Promise<Boot> {
  const append = result.manifest.cmdline;
  const run = await bootQemu({ kernel: result.outputs.kernel, pmemImage: result.outputs.image, append, timeoutMs: 420_000, watch: { text: 'cc-bench end', onSeen: () => {}, stop: true } });
  const uptime = /cc-bench uptime=([0-9.]+)/.exec(run.console)?.[1];
  if (!uptime) throw new Error(`${result.manifest.name}: no cc-bench marker; console:\n${run.console.slice(-3000)}`);
  const meminfo = Object.fromEntries([...run.console.matchAll(/cc-bench (\w+):\s+(\d+) kB/g)].map((m) => [m[1]!, Number(m[2])]));
  const m = (k: string) => meminfo[k] ?? NaN;
  return { bootSeconds: Number(uptime), memInUseKiB: m('MemTotal') - m('MemAvailable'), memUsedKiB: m('MemTotal') - m('MemFree') - m('Buffers') - m('Cached'), meminfo, qemuWallMs: run.wallMs };
}

const minimalYaml = fs.readFileSync(path.join(ROOT, 'recipes/minimal.yaml'), 'utf8') + KERNEL + BENCH;
const cold = await build('minimal', minimalYaml, coldCache);
const cached = await build('minimal', minimalYaml, coldCache);
const plain = await build('plain', PLAIN + KERNEL + BENCH);
const minimalBoot = await boot(cached.result);
const plainBoot = await boot(plain.result);

const mb = (n: number) => (n / 1e6).toFixed(1);
const rows = [
  ['image size (MB)', mb(cached.result.manifest.image!.size), mb(plain.result.manifest.image!.size)],
  ['build, cold (s)', (cold.ms / 1000).toFixed(1), '—'],
  ['build, cached (s)', (cached.ms / 1000).toFixed(2), '—'],
  ['boot to multi-user.target (s, guest clock)', minimalBoot.bootSeconds.toFixed(2), plainBoot.bootSeconds.toFixed(2)],
  ['memory in use after boot (MiB, MemTotal−MemAvailable)', (minimalBoot.memInUseKiB / 1024).toFixed(1), (plainBoot.memInUseKiB / 1024).toFixed(1)],
  ['memory used after boot (MiB, MemTotal−MemFree−Buffers−Cached)', (minimalBoot.memUsedKiB / 1024).toFixed(1), (plainBoot.memUsedKiB / 1024).toFixed(1)],
  ['of which anonymous / slab (MiB)', `${(minimalBoot.meminfo['AnonPages']! / 1024).toFixed(1)} / ${(minimalBoot.meminfo['Slab']! / 1024).toFixed(1)}`, `${(plainBoot.meminfo['AnonPages']! / 1024).toFixed(1)} / ${(plainBoot.meminfo['Slab']! / 1024).toFixed(1)}`],
];
const ratios = {
  image: cached.result.manifest.image!.size / plain.result.manifest.image!.size,
  boot: minimalBoot.bootSeconds / plainBoot.bootSeconds,
  memory: minimalBoot.memInUseKiB / plainBoot.memInUseKiB,
  memoryUsed: minimalBoot.memUsedKiB / plainBoot.memUsedKiB,
};
if (json) {
  process.stdout.write(JSON.stringify({ minimal: { build: cold.result, coldMs: cold.ms, cachedMs: cached.ms, boot: minimalBoot }, plain: { build: plain.result, coldMs: plain.ms, boot: plainBoot }, ratios }, null, 2) + '\n');
} else {
  console.log(`| | minimal.yaml | plain minbase + systemd-sysv |\n|---|---|---|`);
  for (const [label, a, b] of rows) console.log(`| ${label} | ${a} | ${b} |`);
  console.log(`\nratios minimal/plain: image ${ratios.image.toFixed(2)}, boot ${ratios.boot.toFixed(2)} (floor 0.7), memory ${ratios.memory.toFixed(2)} / ${ratios.memoryUsed.toFixed(2)} (floor 0.7)`);
  console.log(`QEMU TCG wall: minimal ${minimalBoot.qemuWallMs} ms, plain ${plainBoot.qemuWallMs} ms; kernel ${cached.result.outputs.kernel}`);
}
fs.rmSync(work, { recursive: true, force: true });
