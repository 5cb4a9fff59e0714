// Boot benchmark: cc-run against QEMU (-accel kvm, virtio-pmem-pci, share=off) booting the same
// vmlinux and image, in one run on real KVM (directly, or inside the nested lab). Per boot: time
// from process start to the guest's userspace marker, VMM RSS/PSS at that moment, and VM exits
// (KVM's own per-VM debugfs count, the same for both; cc-run's exits by kind from its report).
// --compare-worker adds cc-run with vCPU 0 in a Worker (CC_RUN_VCPU0=worker, the former layout);
// --idle S also lets each guest sit idle after its marker and reports what an idle guest costs:
// KVM exits, exits for signals (cc-run's kicks) and the VMM's CPU time per second.
//
//   node dist/scripts/bench-boot.js [--kernel VMLINUX] [--rounds N] [--compare-worker] [--idle S] [--out results.json]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cac } from 'cac';
import { makeBusyboxExt4 } from './fixtures/busybox-ext4.js';
import { runInLab } from './kvm-lab.js';
import { qemuGuestArgv } from './lab-qemu-guest.js';
import { guestKernel } from './lib/guest-kernel.js';

const MARKER = 'CC-BENCH-MARKER';
/** Same guest for both VMMs: print the marker, sleep cc.idle=S seconds if given, then reboot (QEMU runs with -no-reboot). */
const INIT = `#!/bin/busybox sh
echo ${MARKER}
/bin/busybox mount -t proc proc /proc
for w in $(/bin/busybox cat /proc/cmdline); do case $w in cc.idle=*) /bin/busybox sleep \${w#cc.idle=} ;; esac; done
/bin/busybox reboot -f
`;
/**
 * The same effective kernel command line for both: cc-run's default (console, pmem root with DAX,
 * panic=-1, reboot=k, quiet) plus the extra; QEMU's base (lab-qemu-guest.ts) plus what cc-run's
 * default adds. `loglevel=7` after `quiet` shows the whole boot log.
 */
const VARIANTS = [
  { name: 'quiet', ccRun: 'init=/init', qemu: 'init=/init reboot=k quiet' },
  { name: 'full console', ccRun: 'init=/init loglevel=7', qemu: 'init=/init reboot=k quiet loglevel=7' },
];
const MEMORY_MIB = 256;
const KVM_DEBUGFS = '/sys/kernel/debug/kvm';
/** Idle guests: measured from this long after the marker (the shell's exit settles) for --idle S minus twice this. */
const IDLE_SETTLE_S = 2;

type Vmm = 'cc-run' | 'cc-run vCPU 0 in a worker' | 'qemu';

export interface BootSample {
  vmm: Vmm;
  /** The command-line variant (VARIANTS). */
  variant: string;
  markerMs?: number;
  exitMs: number;
  exitCode: number | null;
  rssKiB?: number;
  pssKiB?: number;
  /** KVM's count of exits for the VM up to the marker (debugfs "exits"). */
  kvmExits?: number;
  /** cc-run's own report (exits by kind, time to first userspace line). */
  report?: unknown;
}

/** What one idle second of a guest costs (rates over the measured window). */
export interface IdleSample {
  vmm: Vmm;
  windowS: number;
  /** KVM's per-VM debugfs counters per second. */
  exitsPerS?: number;
  signalExitsPerS?: number;
  haltWakeupsPerS?: number;
  /** The VMM process's user+system CPU time, ms per second. */
  cpuMsPerS?: number;
}

function smapsRollup(pid: number): { rssKiB?: number; pssKiB?: number } {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (n: string) => Number(new RegExp(`^${n}:\\s+(\\d+) kB`, 'm').exec(text)?.[1]);
    return { rssKiB: field('Rss'), pssKiB: field('Pss') };
  } catch {
    return {};
  }
}

/** One of KVM's per-VM debugfs counters; the folder is named PID-FD. */
function kvmStat(pid: number, stat = 'exits'): number | undefined {
  if (!existsSync(KVM_DEBUGFS)) return undefined;
  const vm = readdirSync(KVM_DEBUGFS).find((d) => d.startsWith(`${pid}-`));
  if (!vm) return undefined;
  try {
    return Number(readFileSync(join(KVM_DEBUGFS, vm, stat), 'utf8'));
  } catch {
    return undefined;
  }
}

/** utime + stime of a process in ms (/proc/PID/stat, clock ticks of 10 ms). */
function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

const IDLE_STATS = { exitsPerS: 'exits', signalExitsPerS: 'signal_exits', haltWakeupsPerS: 'halt_wakeup' } as const;

/** Samples a running VMM twice, `windowS` apart, and returns the rates. */
async function idleRates(vmm: Vmm, pid: number, windowS: number): Promise<IdleSample> {
  const take = () => ({ cpu: cpuMs(pid), ...Object.fromEntries(Object.entries(IDLE_STATS).map(([k, stat]) => [k, kvmStat(pid, stat)])) }) as Record<string, number | undefined>;
  const a = take();
  await new Promise((r) => setTimeout(r, windowS * 1000));
  const b = take();
  const rate = (k: string) => (a[k] !== undefined && b[k] !== undefined ? (b[k]! - a[k]!) / windowS : undefined);
  const out: IdleSample = { vmm, windowS };
  for (const k of Object.keys(IDLE_STATS) as (keyof typeof IDLE_STATS)[]) {
    const r = rate(k);
    if (r !== undefined) out[k] = r;
  }
  const cpu = rate('cpu');
  if (cpu !== undefined) out.cpuMsPerS = cpu;
  return out;
}

/** Starts one VMM, waits for the marker and for exit; with `idleS`, measures the idle guest after the marker. */
function boot(vmm: Vmm, command: string, args: string[], variant: string, env?: Record<string, string>, idleS = 0): Promise<BootSample & { idle?: IdleSample }> {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let idle: Promise<IdleSample> | undefined;
    const sample: BootSample = { vmm, variant, exitMs: 0, exitCode: null };
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (sample.markerMs === undefined && out.includes(MARKER)) {
        sample.markerMs = performance.now() - t0;
        Object.assign(sample, smapsRollup(child.pid!));
        sample.kvmExits = kvmStat(child.pid!);
        if (idleS) {
          idle = new Promise((r) => setTimeout(r, IDLE_SETTLE_S * 1000)).then(() => idleRates(vmm, child.pid!, idleS - 2 * IDLE_SETTLE_S));
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('exit', (code) => {
      clearTimeout(killer);
      sample.exitMs = performance.now() - t0;
      sample.exitCode = code;
      const last = err.trim().split('\n').at(-1);
      if (vmm !== 'qemu' && last?.startsWith('{')) sample.report = JSON.parse(last);
      if (sample.markerMs === undefined) process.stderr.write(`${vmm}: no marker\n${out.slice(-2000)}\n${err.slice(-2000)}\n`);
      if (idle) void idle.then((i) => done({ ...sample, idle: i }));
      else done(sample);
    });
  });
}

interface InsideOptions {
  rounds: number;
  out: string;
  vcpu0Worker: boolean;
  idleS: number;
}

/** The measurements, run where /dev/kvm works. */
async function inside(kernel: string, image: string, opts: InsideOptions): Promise<void> {
  if (!existsSync(KVM_DEBUGFS)) spawn('mount', ['-t', 'debugfs', 'none', '/sys/kernel/debug']);
  await new Promise((r) => setTimeout(r, 200));
  const samples: BootSample[] = [];
  const idle: IdleSample[] = [];
  const save = () => writeFileSync(opts.out, JSON.stringify({ samples, idle }, null, 2));
  const runs = (variant: { name: string; ccRun: string; qemu: string }, idleS = 0) => {
    const qemu = qemuGuestArgv({ vmlinux: kernel, image, cmdline: variant.qemu, memoryMiB: MEMORY_MIB });
    const ccRun = [resolve('bin/cc-run.js'), image, '--kernel', kernel, '--memory', `${MEMORY_MIB}M`, '--cmdline', variant.ccRun, '--json'];
    return [
      () => boot('cc-run', process.execPath, ccRun, variant.name, undefined, idleS),
      ...(opts.vcpu0Worker ? [() => boot('cc-run vCPU 0 in a worker', process.execPath, ccRun, variant.name, { CC_RUN_VCPU0: 'worker' }, idleS)] : []),
      () => boot('qemu', qemu.command, qemu.args, variant.name, undefined, idleS),
    ];
  };
  for (const variant of VARIANTS) {
    for (let i = 0; i < opts.rounds; i++) {
      // Rotate which VMM goes first, so a drift in host load hits all alike.
      const order = runs(variant);
      for (let k = 0; k < order.length; k++) {
        const sample = await order[(k + i) % order.length]!();
        samples.push(sample);
        // Written after every boot, so a run cut short still leaves its samples.
        save();
        process.stdout.write(`${sample.vmm} ${sample.variant}: marker ${sample.markerMs?.toFixed(0) ?? '-'} ms, PSS ${sample.pssKiB ?? '-'} KiB\n`);
      }
    }
  }
  if (opts.idleS) {
    for (const run of runs({ name: 'idle', ccRun: `init=/init cc.idle=${opts.idleS}`, qemu: `init=/init reboot=k quiet cc.idle=${opts.idleS}` }, opts.idleS)) {
      const sample = await run();
      if (sample.idle) idle.push(sample.idle);
      save();
      process.stdout.write(`${sample.vmm} idle: ${JSON.stringify(sample.idle)}\n`);
    }
  }
}

/** A Markdown table of the idle rates. */
export function idleTable(idle: IdleSample[]): string {
  const f = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(1));
  return ['| VMM | idle window (s) | KVM exits/s | signal exits/s | halt wakeups/s | VMM CPU (ms/s) |', '|---|---|---|---|---|---|',
    ...idle.map((i) => `| ${i.vmm} | ${i.windowS} | ${f(i.exitsPerS)} | ${f(i.signalExitsPerS)} | ${f(i.haltWakeupsPerS)} | ${f(i.cpuMsPerS)} |`)].join('\n');
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};

/** A Markdown table of medians per VMM and command line. */
export function table(samples: BootSample[]): string {
  const rows = ['| VMM | console | boots | to marker (ms) | to exit (ms) | RSS (MiB) | PSS (MiB) | KVM exits to marker |', '|---|---|---|---|---|---|---|---|'];
  const groups = new Map<string, BootSample[]>();
  for (const s of samples) groups.set(`${s.vmm}\t${s.variant}`, [...(groups.get(`${s.vmm}\t${s.variant}`) ?? []), s]);
  for (const [key, g] of groups) {
    const [vmm, variant] = key.split('\t');
    const ok = g.filter((s) => s.markerMs !== undefined);
    const m = (f: (s: BootSample) => number | undefined) => median(ok.map(f).filter((x): x is number => x !== undefined && !Number.isNaN(x)));
    rows.push(`| ${vmm} | ${variant} | ${ok.length}/${g.length} | ${m((s) => s.markerMs).toFixed(0)} | ${m((s) => s.exitMs).toFixed(0)} | ${(m((s) => s.rssKiB) / 1024).toFixed(1)} | ${(m((s) => s.pssKiB) / 1024).toFixed(1)} | ${m((s) => s.kvmExits)} |`);
  }
  return rows.join('\n');
}

async function main(): Promise<void> {
  const cli = cac('bench-boot');
  cli.option('--kernel <vmlinux>', 'guest vmlinux (default: $CC_KERNEL, else the tuned kernel from the build cache)')
    .option('--rounds <n>', 'boots per VMM and command line', { default: 3 })
    .option('--out <file>', 'write the samples as JSON here')
    .option('--compare-worker', 'also boot cc-run with vCPU 0 in a Worker (CC_RUN_VCPU0=worker, the former layout)')
    .option('--idle <s>', 'also let each guest idle this long after its marker and measure its cost per second (at least 10)', { default: 0 })
    .option('--inside <image>', '(internal) measure here with this image');
  cli.help();
  const { options } = cli.parse();
  if (options.help) return;
  const kernel = resolve(options.kernel ? String(options.kernel) : await guestKernel());
  const rounds = Number(options.rounds);
  const idleS = Number(options.idle);
  if (idleS && idleS < 10) throw new Error(`--idle ${idleS}: at least 10 s (${IDLE_SETTLE_S} s settle on each side)`);
  if (options.inside) {
    await inside(kernel, String(options.inside), { rounds, out: String(options.out), vcpu0Worker: Boolean(options.compareWorker), idleS });
    return;
  }
  if (!existsSync(kernel)) throw new Error(`${kernel}: no such guest vmlinux`);
  const dir = mkdtempSync(join(tmpdir(), 'cc-bench-'));
  try {
    const image = makeBusyboxExt4({ image: join(dir, 'bench.ext4'), init: INIT, sizeMiB: 32 });
    const samplesPath = join(dir, 'samples.json');
    const lab = await runInLab({
      command: `node dist/scripts/bench-boot.js --inside ${image} --kernel ${kernel} --rounds ${rounds} --out ${samplesPath}${options.compareWorker ? ' --compare-worker' : ''}${idleS ? ` --idle ${idleS}` : ''}`,
      scratchDir: dir, timeoutS: 1800, stream: true,
    });
    if (!existsSync(samplesPath)) throw new Error(`bench failed in ${lab.mode} (exit ${lab.exitCode}): ${lab.stderr.slice(-2000)}`);
    if (lab.exitCode !== 0) process.stderr.write(`bench-boot: the run ended with ${lab.exitCode}${lab.timedOut ? ' (timed out)' : ''}; reporting the boots it finished\n`);
    const { samples, idle } = JSON.parse(readFileSync(samplesPath, 'utf8')) as { samples: BootSample[]; idle: IdleSample[] };
    const result = { mode: lab.mode, kernel, rounds, memoryMiB: MEMORY_MIB, variants: VARIANTS, samples, idle };
    if (options.out) writeFileSync(String(options.out), JSON.stringify(result, null, 2));
    process.stdout.write(`Boot benchmark (${lab.mode === 'lab' ? 'nested lab: compare ratios only' : 'direct KVM'}), medians of ${rounds}:\n\n${table(samples)}\n`);
    if (idle.length) process.stdout.write(`\nIdle guest after the marker:\n\n${idleTable(idle)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => {
    process.stderr.write(`bench-boot: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
