// The nested-KVM lab (../shared/LAB.md): runs a shell command where /dev/kvm works. On a host whose
// /dev/kvm is backed by VMX/SVM it runs the command directly; otherwise it boots Debian's kernel under QEMU TCG ("L1",
// whose emulated AMD SVM gives kvm-amd a real /dev/kvm), shares the host's / read-only through 9p,
// and runs the command in a chroot of it with a writable overlay, the caller's cwd and NO_COLOR=1.
//
//   node dist/scripts/kvm-lab.js [--timeout S] [--scratch DIR] [--] COMMAND...
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cac } from 'cac';
import { CTL, MARK_FAIL } from './lab/l1-init.js';
import { labCacheDir } from './lab/lab-cache.js';
import { l1Initramfs } from './lab/l1-initramfs.js';
import { findL1Kernel } from './lab/l1-kernel.js';
import { pvhVmlinux } from './lab/l1-vmlinux.js';
import { LabError } from './lab/lab-error.js';

export { LabError } from './lab/lab-error.js';

export interface LabOptions {
  /** A shell command line, run by /bin/sh -c. */
  command: string;
  /** Extra environment; PATH, HOME, LANG, CI come from this process, NO_COLOR=1 always. */
  env?: Record<string, string>;
  /** Kill the run after this many seconds (exit code 124, as timeout(1)). Default 600. */
  timeoutS?: number;
  /** A host folder shared writable at the same path inside L1 (the rest of / is a throwaway overlay). */
  scratchDir?: string;
  /** Working directory of the command (default: process.cwd()). */
  cwd?: string;
  /** Copy the command's output to this process's stdout/stderr while it runs. */
  stream?: boolean;
  /** Force the lab even where /dev/kvm exists (used to test the lab itself). */
  forceLab?: boolean;
  /** vCPUs of L1 (TCG runs one host thread per vCPU). */
  cpus?: number;
}

export interface LabResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** L1's serial console (kernel and init messages); empty when run directly. */
  consoleLog: string;
  /** Wall-clock seconds of the whole run, L1 boot and power-off included. */
  wallS: number;
  /** Where the command ran: `direct` on a KVM host, `lab` inside L1. */
  mode: 'direct' | 'lab';
  timedOut: boolean;
}

const DEFAULT_TIMEOUT_S = 600;
const L1_MEMORY_MIB = 4096;
/** The env passed into L1 from the caller's process (the rest of the host env means nothing there). */
const INHERITED_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'CI', 'NODE_OPTIONS'];

const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * True when this machine runs KVM guests itself: /dev/kvm backed by hardware virtualisation
 * (the vmx or svm CPU flag). A /dev/kvm without either (kvm_pvm, for one) runs real-mode code
 * but not a stock Linux guest, so the lab is used there. CC_LAB=lab or CC_LAB=direct overrides.
 */
export function hostHasKvm(): boolean {
  if (process.env.CC_LAB === 'lab') return false;
  if (process.env.CC_LAB === 'direct') return true;
  if (!existsSync('/dev/kvm')) return false;
  const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1].split(/\s+/) ?? [];
  return flags.includes('vmx') || flags.includes('svm');
}

/** Runs `command` where /dev/kvm works and returns its exit status and output. */
export async function runInLab(opts: LabOptions): Promise<LabResult> {
  return hostHasKvm() && !opts.forceLab ? runDirect(opts) : runL1(opts);
}

function runDirect(opts: LabOptions): Promise<LabResult> {
  const start = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn('/bin/sh', ['-c', opts.command], {
      cwd: opts.cwd ?? process.cwd(),
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a timeout kills the whole command
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => { out.push(b); if (opts.stream) process.stdout.write(b); });
    child.stderr.on('data', (b: Buffer) => { err.push(b); if (opts.stream) process.stderr.write(b); });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
    }, (opts.timeoutS ?? DEFAULT_TIMEOUT_S) * 1000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        exitCode: timedOut ? 124 : code ?? 128 + (signal ? constants.signals[signal] : 0),
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        consoleLog: '',
        wallS: (performance.now() - start) / 1000,
        mode: 'direct',
        timedOut,
      });
    });
  });
}

/** Follows a file that another process appends to, copying new bytes to `sink`. */
class FileFollower {
  private offset = 0;
  constructor(private readonly path: string, private readonly sink: NodeJS.WriteStream) {}
  poll(): void {
    if (!existsSync(this.path)) return;
    const fd = openSync(this.path, 'r');
    try {
      const buf = Buffer.alloc(65536);
      for (let n; (n = readSync(fd, buf, 0, buf.length, this.offset)) > 0; this.offset += n) this.sink.write(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }
}

function writeControlFiles(ctlDir: string, opts: LabOptions): void {
  const env: Record<string, string> = {};
  for (const k of INHERITED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  Object.assign(env, { NO_COLOR: '1', TMPDIR: '/tmp' }, opts.env);
  const cwd = resolve(opts.cwd ?? process.cwd());
  writeFileSync(join(ctlDir, CTL.env), `CTL_DIR=${shQuote(ctlDir)}\nSCRATCH_DIR=${shQuote(opts.scratchDir ? resolve(opts.scratchDir) : '')}\n`);
  writeFileSync(join(ctlDir, CTL.run), [
    ...Object.entries(env).map(([k, v]) => `export ${k}=${shQuote(v)}`),
    `cd ${shQuote(cwd)} || exit 125`,
    `exec /bin/sh -c ${shQuote(opts.command)}`,
    '',
  ].join('\n'));
}

/** The QEMU command line of L1. */
export function l1QemuArgs(kernelImage: string, initramfs: string, ctlDir: string, opts: Pick<LabOptions, 'scratchDir' | 'cpus'>): string[] {
  const cpus = opts.cpus ?? 1;
  const share = (path: string, tag: string, ro: boolean): string[] =>
    ['-virtfs', `local,path=${path},mount_tag=${tag},security_model=none,multidevs=remap${ro ? ',readonly=on' : ''}`];
  return [
    '-M', 'q35', '-accel', cpus > 1 ? 'tcg,thread=multi' : 'tcg', '-cpu', 'max', '-m', String(L1_MEMORY_MIB), '-smp', String(cpus),
    '-nodefaults', '-no-user-config', '-display', 'none', '-serial', 'stdio', '-no-reboot',
    '-kernel', kernelImage, '-initrd', initramfs,
    '-append', 'console=ttyS0 quiet loglevel=3 panic=-1 mitigations=off rdinit=/init',
    ...share('/', 'host', true),
    ...share(ctlDir, 'ctl', false),
    ...(opts.scratchDir ? share(resolve(opts.scratchDir), 'scratch', false) : []),
  ];
}

/** The error for an L1 that stopped without writing the command's status. */
export function l1Failure(consoleLog: string): LabError {
  const lines = consoleLog.split('\n').map((l) => l.trim()).filter(Boolean);
  const failure = lines.find((l) => l.includes(MARK_FAIL));
  if (failure) {
    return new LabError('l1-failed', `nested-KVM lab: L1 failed: ${failure.slice(failure.indexOf(MARK_FAIL) + MARK_FAIL.length).trim()}`,
      undefined, { consoleLog });
  }
  const last = lines.at(-1);
  return new LabError('no-result', `nested-KVM lab: L1 stopped without a result${last ? ` (last console line: ${last})` : ''}`,
    'run kvm-lab with --console to see the L1 console', { consoleLog });
}

async function runL1(opts: LabOptions): Promise<LabResult> {
  const start = performance.now();
  if (opts.scratchDir && !statSync(opts.scratchDir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new LabError('bad-scratch', `scratch folder ${opts.scratchDir} is not a directory`, 'create it before the run');
  }
  const kernel = findL1Kernel();
  const initramfs = l1Initramfs(kernel);
  const kernelImage = pvhVmlinux(kernel.image, kernel.release, labCacheDir()) ?? kernel.image;
  const ctlDir = mkdtempSync(join(tmpdir(), 'cc-lab-'));
  try {
    writeControlFiles(ctlDir, opts);
    const followers = opts.stream
      ? [new FileFollower(join(ctlDir, CTL.stdout), process.stdout), new FileFollower(join(ctlDir, CTL.stderr), process.stderr)]
      : [];
    const consoleLog: string[] = [];
    const { timedOut, spawnError } = await new Promise<{ timedOut: boolean; spawnError?: Error }>((done) => {
      const qemu = spawn('qemu-system-x86_64', l1QemuArgs(kernelImage, initramfs, ctlDir, opts), { stdio: ['ignore', 'pipe', 'pipe'] });
      qemu.stdout.on('data', (b: Buffer) => consoleLog.push(b.toString('latin1')));
      qemu.stderr.on('data', (b: Buffer) => consoleLog.push(b.toString('latin1')));
      const tick = setInterval(() => followers.forEach((f) => f.poll()), 200);
      let killed = false;
      const timer = setTimeout(() => { killed = true; qemu.kill('SIGKILL'); }, (opts.timeoutS ?? DEFAULT_TIMEOUT_S) * 1000);
      qemu.on('error', (e) => { clearInterval(tick); clearTimeout(timer); done({ timedOut: false, spawnError: e }); });
      qemu.on('close', () => { clearInterval(tick); clearTimeout(timer); followers.forEach((f) => f.poll()); done({ timedOut: killed }); });
    });
    if (spawnError) {
      throw new LabError('no-qemu', `cannot start qemu-system-x86_64: ${spawnError.message}`, 'apt-get install qemu-system-x86', { cause: spawnError });
    }
    const log = consoleLog.join('').replace(/\r\n/g, '\n');
    const read = (name: string): string => (existsSync(join(ctlDir, name)) ? readFileSync(join(ctlDir, name), 'utf8') : '');
    const status = read(CTL.status).trim();
    if (!timedOut && status === '') throw l1Failure(log);
    return {
      exitCode: timedOut ? 124 : Number(status),
      stdout: read(CTL.stdout),
      stderr: read(CTL.stderr),
      consoleLog: log,
      wallS: (performance.now() - start) / 1000,
      mode: 'lab',
      timedOut,
    };
  } finally {
    rmSync(ctlDir, { recursive: true, force: true });
  }
}

/**
 * Splits `kvm-lab [OPTIONS] [--] COMMAND...`: the command starts after `--` or at the first word
 * that is not an option, so its own options (`ls -l`) stay its own.
 */
export function splitCommandLine(args: readonly string[], valued: readonly string[]): { options: string[]; command: string[] } {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return { options: args.slice(0, i), command: args.slice(i + 1) };
    if (!a.startsWith('-')) return { options: args.slice(0, i), command: args.slice(i) };
    if (valued.includes(a)) i++;
  }
  return { options: [...args], command: [] };
}

async function main(): Promise<void> {
  const cli = cac('kvm-lab');
  cli
    .command('[...COMMAND]', 'run COMMAND (a shell command line) where /dev/kvm works, nested under QEMU TCG when this host has none')
    .option('--timeout <s>', 'kill the run after S seconds (exit 124)', { default: DEFAULT_TIMEOUT_S })
    .option('--scratch <dir>', 'share DIR writable at the same path inside the lab')
    .option('--cpus <n>', 'vCPUs of the L1 guest', { default: 1 })
    .option('--force-lab', 'use the lab even where /dev/kvm exists')
    .option('--console', 'print the L1 console log to stderr at the end')
    .option('--json', 'print { exitCode, wallS, mode, timedOut } as JSON on the last line of stderr')
    .example('kvm-lab ls -l /dev/kvm')
    .example('kvm-lab --timeout 900 -- npm run test:e2e');
  cli.help();
  const { options, command: words } = splitCommandLine(process.argv.slice(2), ['--timeout', '--scratch', '--cpus']);
  const parsed = cli.parse([...process.argv.slice(0, 2), ...options], { run: false });
  if (parsed.options.help) return;
  if (words.length === 0) {
    cli.outputHelp();
    process.exit(2);
  }
  try {
    const r = await runInLab({
      command: words.join(' '),
      timeoutS: Number(parsed.options.timeout),
      cpus: Number(parsed.options.cpus),
      scratchDir: parsed.options.scratch,
      forceLab: Boolean(parsed.options.forceLab),
      stream: true,
    });
    if (parsed.options.console) process.stderr.write(r.consoleLog);
    if (r.timedOut) process.stderr.write(`kvm-lab: timed out after ${parsed.options.timeout} s\n`);
    if (parsed.options.json) process.stderr.write(JSON.stringify({ exitCode: r.exitCode, wallS: r.wallS, mode: r.mode, timedOut: r.timedOut }) + '\n');
    process.exitCode = r.exitCode;
  } catch (e) {
    if (!(e instanceof LabError)) throw e;
    if (parsed.options.console && e.consoleLog) process.stderr.write(e.consoleLog);
    process.stderr.write(`kvm-lab: ${e.message}${e.hint ? ` (${e.hint})` : ''}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
