// bench-guest: recipes/minimal.yaml against a plain `mmdebstrap --variant=minbase
// --include=systemd-sysv` image (no tuning, nothing left out), on the same kernel, under QEMU
// TCG from virtio-pmem. Prints image size, build time cold (an empty cache: mmdebstrap runs; the
// kernel comes from its own cache) and cached, boot time to multi-user.target and memory in use
// after boot, both measured by the guest (/proc/uptime, /proc/meminfo) from a unit ordered after
// multi-user.target that both images get. Memory in use is shown two ways: MemTotal−MemAvailable
// (procps 4 `free`) and MemTotal−MemFree−Buffers−Cached (procps 3 `free`). Both guests get the
// memory minimal.yaml asks cc-run for (the watermarks the kernel reserves grow with it). The
// breakdown splits memory in use into userspace (anonymous + shmem) and everything else (the kernel,
// its caches and reserves), and prints the ratio minimal.yaml would reach with no userspace at all.
// `--vmm cc-run` boots both under cc-run instead (in the nested-KVM lab where the host has no KVM):
// its devices are not QEMU's (no ACPI, no PCI devices, e820 pmem), so the kernel's share differs.
//
//   node dist/scripts/bench-guest.js [--vmm qemu|cc-run] [--vmlinux PATH] [--consoles DIR] [--json]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CacheStore } from '../builder/cache/store.js';
import { parseRecipe } from '../builder/recipe/parse.js';
import { buildRecipe, type BuildResult } from '../builder/steps/pipeline.js';
import { bootUntil } from './lib/boot-to-login.js';
import { bootQemu } from './lib/qemu-boot.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const args = process.argv.slice(2);
/** The word after `flag`, if the flag is given. */
const valueOf = (flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const pathOf = (flag: string): string | undefined => {
  const value = valueOf(flag);
  return value === undefined ? undefined : path.resolve(value);
};
const vmlinux = pathOf('--vmlinux');
const json = args.includes('--json');
const vmm = valueOf('--vmm') ?? 'qemu';
if (vmm !== 'qemu' && vmm !== 'cc-run') throw new Error(`--vmm: ${vmm}: expected qemu or cc-run`);
// Where to keep each guest's console (the whole /proc/meminfo, per-process and slab breakdowns).
const consoles = pathOf('--consoles');
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
      sed 's/^/cc-bench /' /proc/meminfo > /dev/console
      for s in /proc/[0-9]*/status; do
        awk '/^Name:/{n=$2} /^RssAnon:/{a=$2} /^RssShmem:/{h=$2} END{if (a != "") print "cc-bench-proc " n " anon=" a " shmem=" h}' "$s"
      done > /dev/console
      awk 'NR>2 {printf "cc-bench-slab %d KiB %s\\n", $15*$6*4, $1}' /proc/slabinfo | sort -k2 -n -r | head -12 > /dev/console
      echo "cc-bench-cgroups $(find /sys/fs/cgroup -type d | wc -l)" > /dev/console
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
  wallMs: number;
}

const MARKER = { grep: 'cc-bench end', re: /cc-bench end/ };

async function bootConsole(result: BuildResult, memory: string): Promise<{ console: string; wallMs: number }> {
  if (vmm === 'cc-run') {
    // cc-run takes memory, cpus and the command line from the manifest beside the image.
    const dir = fs.mkdtempSync(path.join(work, 'lab-'));
    const run = await bootUntil(result.outputs.image, dir, MARKER, 900);
    return { console: run.console.replace(/\r/g, ''), wallMs: Math.round(run.lab.wallS * 1000) };
  }
  // slots/maxmem: virtio-pmem is a memory device.
  const run = await bootQemu({ kernel: result.outputs.kernel, pmemImage: result.outputs.image, append: result.manifest.cmdline, memory: `${memory},slots=2,maxmem=2G`, timeoutMs: 420_000, watch: { text: MARKER.grep, onSeen: () => {}, stop: true } });
  return run;
}

async function boot(result: BuildResult, memory: string): Promise<Boot> {
  const run = await bootConsole(result, memory);
  if (consoles) {
    fs.mkdirSync(consoles, { recursive: true });
    fs.writeFileSync(path.join(consoles, `${result.manifest.name}.console.txt`), run.console);
  }
  const uptime = /cc-bench uptime=([0-9.]+)/.exec(run.console)?.[1];
  if (!uptime) throw new Error(`${result.manifest.name}: no cc-bench marker; console:\n${run.console.slice(-3000)}`);
  const meminfo = Object.fromEntries([...run.console.matchAll(/cc-bench (\w+):\s+(\d+) kB/g)].map((m) => [m[1]!, Number(m[2])]));
  const m = (k: string) => meminfo[k] ?? NaN;
  return { bootSeconds: Number(uptime), memInUseKiB: m('MemTotal') - m('MemAvailable'), memUsedKiB: m('MemTotal') - m('MemFree') - m('Buffers') - m('Cached'), meminfo, wallMs: run.wallMs };
}

const minimalYaml = fs.readFileSync(path.join(ROOT, 'recipes/minimal.yaml'), 'utf8') + KERNEL + BENCH;
const cold = await build('minimal', minimalYaml, coldCache);
const cached = await build('minimal', minimalYaml, coldCache);
const plain = await build('plain', PLAIN + KERNEL + BENCH);
const memory = cached.result.manifest.defaults.memory ?? '128M';
const minimalBoot = await boot(cached.result, memory);
const plainBoot = await boot(plain.result, memory);
/** Userspace's share of memory in use: anonymous pages and tmpfs/shmem. */
const userKiB = (b: Boot) => (b.meminfo['AnonPages'] ?? 0) + (b.meminfo['Shmem'] ?? 0);
const mib = (kib: number) => (kib / 1024).toFixed(1);

const mb = (n: number) => (n / 1e6).toFixed(1);
const rows = [
  ['image size (MB)', mb(cached.result.manifest.image!.size), mb(plain.result.manifest.image!.size)],
  ['build, cold (s)', (cold.ms / 1000).toFixed(1), '—'],
  ['build, cached (s)', (cached.ms / 1000).toFixed(2), '—'],
  ['boot to multi-user.target (s, guest clock)', minimalBoot.bootSeconds.toFixed(2), plainBoot.bootSeconds.toFixed(2)],
  ['memory in use after boot (MiB, MemTotal−MemAvailable)', (minimalBoot.memInUseKiB / 1024).toFixed(1), (plainBoot.memInUseKiB / 1024).toFixed(1)],
  ['memory used after boot (MiB, MemTotal−MemFree−Buffers−Cached)', (minimalBoot.memUsedKiB / 1024).toFixed(1), (plainBoot.memUsedKiB / 1024).toFixed(1)],
  ['… userspace: anonymous + shmem (MiB)', mib(userKiB(minimalBoot)), mib(userKiB(plainBoot))],
  ['… kernel, caches, reserves: the rest (MiB)', mib(minimalBoot.memInUseKiB - userKiB(minimalBoot)), mib(plainBoot.memInUseKiB - userKiB(plainBoot))],
  ['… of which slab (MiB)', mib(minimalBoot.meminfo['Slab']!), mib(plainBoot.meminfo['Slab']!)],
];
const ratios = {
  image: cached.result.manifest.image!.size / plain.result.manifest.image!.size,
  boot: minimalBoot.bootSeconds / plainBoot.bootSeconds,
  memory: minimalBoot.memInUseKiB / plainBoot.memInUseKiB,
  memoryUsed: minimalBoot.memUsedKiB / plainBoot.memUsedKiB,
  /** minimal.yaml's ratio if its userspace used no memory at all: the bound tuning the image can reach. */
  memoryNoUserspace: (minimalBoot.memInUseKiB - userKiB(minimalBoot)) / plainBoot.memInUseKiB,
};
if (json) {
  process.stdout.write(JSON.stringify({ minimal: { build: cold.result, coldMs: cold.ms, cachedMs: cached.ms, boot: minimalBoot }, plain: { build: plain.result, coldMs: plain.ms, boot: plainBoot }, ratios }, null, 2) + '\n');
} else {
  console.log(`| | minimal.yaml | plain minbase + systemd-sysv |\n|---|---|---|`);
  for (const [label, a, b] of rows) console.log(`| ${label} | ${a} | ${b} |`);
  console.log(`\nratios minimal/plain: image ${ratios.image.toFixed(2)}, boot ${ratios.boot.toFixed(2)} (floor 0.7), memory ${ratios.memory.toFixed(2)} / ${ratios.memoryUsed.toFixed(2)} (floor 0.7)`);
  console.log(`memory with no userspace at all: ${ratios.memoryNoUserspace.toFixed(2)} (what the kernel alone costs, against the whole plain guest); guest memory ${memory}`);
  console.log(`${vmm === 'qemu' ? 'QEMU TCG' : 'cc-run (lab: L1 boot included)'} wall: minimal ${minimalBoot.wallMs} ms, plain ${plainBoot.wallMs} ms; kernel ${cached.result.outputs.kernel}`);
}
fs.rmSync(work, { recursive: true, force: true });
