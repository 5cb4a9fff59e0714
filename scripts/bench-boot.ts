// Boot benchmark: cc-run against QEMU (-accel kvm, virtio-pmem-pci, share=off) booting the same
// vmlinux and image, in one run on real KVM (directly, or inside the nested lab). Per boot: time
// from process start to the guest's userspace marker, VMM RSS/PSS at that moment, and VM exits
// (KVM's own per-VM debugfs count, the same for both; cc-run's exits by kind from its report).
//
//   node dist/scripts/bench-boot.js [--kernel VMLINUX] [--rounds N] [--out results.json]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cac } from 'cac';
import { makeBusyboxExt4 } from './fixtures/busybox-ext4.js';
import { runInLab } from './kvm-lab.js';
import { qemuGuestArgv } from './lab-qemu-guest.js';

const MARKER = 'CC-BENCH-MARKER';
/** Same guest for both VMMs: print the marker, then reboot (QEMU runs with -no-reboot). */
const INIT = `#!/bin/busybox sh\necho ${MARKER}\n/bin/busybox reboot -f\n`;
const REFERENCE_VMLINUX = '/var/tmp/kbuild/ref/vmlinux';
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

export interface BootSample {
  vmm: 'cc-run' | 'qemu';
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

function smapsRollup(pid: number): { rssKiB?: number; pssKiB?: number } {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (n: string) => Number(new RegExp(`^${n}:\\s+(\\d+) kB`, 'm').exec(text)?.[1]);
    return { rssKiB: field('Rss'), pssKiB: field('Pss') };
  } catch {
    return {};
  }
}

/** KVM's per-VM debugfs folder is named PID-FD. */
function kvmExits(pid: number): number | undefined {
  if (!existsSync(KVM_DEBUGFS)) return undefined;
  const vm = readdirSync(KVM_DEBUGFS).find((d) => d.startsWith(`${pid}-`));
  if (!vm) return undefined;
  try {
    return Number(readFileSync(join(KVM_DEBUGFS, vm, 'exits'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Starts one VMM, waits for the marker and for exit. */
function boot(vmm: BootSample['vmm'], command: string, args: string[], variant: string): Promise<BootSample> {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const sample: BootSample = { vmm, variant, exitMs: 0, exitCode: null };
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (sample.markerMs === undefined && out.includes(MARKER)) {
        sample.markerMs = performance.now() - t0;
        Object.assign(sample, smapsRollup(child.pid!));
        sample.kvmExits = kvmExits(child.pid!);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('exit', (code) => {
      clearTimeout(killer);
      sample.exitMs = performance.now() - t0;
      sample.exitCode = code;
      const last = err.trim().split('\n').at(-1);
      if (vmm === 'cc-run' && last?.startsWith('{')) sample.report = JSON.parse(last);
      if (sample.markerMs === undefined) process.stderr.write(`${vmm}: no marker\n${out.slice(-2000)}\n${err.slice(-2000)}\n`);
      done(sample);
    });
  });
}

/** The measurements, run where /dev/kvm works. */
async function inside(kernel: string, image: string, rounds: number, out: string): Promise<void> {
  if (!existsSync(KVM_DEBUGFS)) spawn('mount', ['-t', 'debugfs', 'none', '/sys/kernel/debug']);
  await new Promise((r) => setTimeout(r, 200));
  const samples: BootSample[] = [];
  for (const variant of VARIANTS) {
    const qemu = qemuGuestArgv({ vmlinux: kernel, image, cmdline: variant.qemu, memoryMiB: MEMORY_MIB });
    for (let i = 0; i < rounds; i++) {
      // Alternate which VMM goes first, so a drift in host load hits both alike.
      const pair = [
        () => boot('cc-run', process.execPath, [resolve('bin/cc-run.js'), image, '--kernel', kernel,
          '--memory', `${MEMORY_MIB}M`, '--cmdline', variant.ccRun, '--json'], variant.name),
        () => boot('qemu', qemu.command, qemu.args, variant.name),
      ];
      for (const run of i % 2 ? pair.reverse() : pair) {
        const sample = await run();
        samples.push(sample);
        // Written after every boot, so a run cut short still leaves its samples.
        writeFileSync(out, JSON.stringify(samples, null, 2));
        process.stdout.write(`${sample.vmm} ${sample.variant}: marker ${sample.markerMs?.toFixed(0) ?? '-'} ms, PSS ${sample.pssKiB ?? '-'} KiB\n`);
      }
    }
  }
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
  cli.option('--kernel <vmlinux>', 'guest vmlinux', { default: process.env.CC_KERNEL ?? REFERENCE_VMLINUX })
    .option('--rounds <n>', 'boots per VMM and command line', { default: 3 })
    .option('--out <file>', 'write the samples as JSON here')
    .option('--inside <image>', '(internal) measure here with this image');
  cli.help();
  const { options } = cli.parse();
  if (options.help) return;
  const kernel = resolve(String(options.kernel));
  const rounds = Number(options.rounds);
  if (options.inside) {
    await inside(kernel, String(options.inside), rounds, String(options.out));
    return;
  }
  if (!existsSync(kernel)) throw new Error(`${kernel}: no guest vmlinux (set --kernel or CC_KERNEL)`);
  const dir = mkdtempSync(join(tmpdir(), 'cc-bench-'));
  try {
    const image = makeBusyboxExt4({ image: join(dir, 'bench.ext4'), init: INIT, sizeMiB: 32 });
    const samplesPath = join(dir, 'samples.json');
    const lab = await runInLab({
      command: `node dist/scripts/bench-boot.js --inside ${image} --kernel ${kernel} --rounds ${rounds} --out ${samplesPath}`,
      scratchDir: dir, timeoutS: 1800, stream: true,
    });
    if (!existsSync(samplesPath)) throw new Error(`bench failed in ${lab.mode} (exit ${lab.exitCode}): ${lab.stderr.slice(-2000)}`);
    if (lab.exitCode !== 0) process.stderr.write(`bench-boot: the run ended with ${lab.exitCode}${lab.timedOut ? ' (timed out)' : ''}; reporting the boots it finished\n`);
    const samples = JSON.parse(readFileSync(samplesPath, 'utf8')) as BootSample[];
    const result = { mode: lab.mode, kernel, rounds, memoryMiB: MEMORY_MIB, variants: VARIANTS, samples };
    if (options.out) writeFileSync(String(options.out), JSON.stringify(result, null, 2));
    process.stdout.write(`Boot benchmark (${lab.mode === 'lab' ? 'nested lab: compare ratios only' : 'direct KVM'}), medians of ${rounds}:\n\n${table(samples)}\n`);
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
