// cc-run's app mode: an image `cc-build convert` made runs like `docker run`. The shared guest OS
// boots as root (/dev/pmem0), the app image is /dev/pmem1, the run spec /dev/pmem2; the guest's
// app-init runs the entrypoint and its exit status becomes cc-run's. The app's stdout and stderr
// arrive on COM2 and COM3; the kernel log (COM1) goes to --log FILE or nowhere.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { guestCmdline } from '../../manifest/guest-cmdline.js';
import { buildMicrovm } from '../vmm/builder.js';
import { ConfigError } from '../vmm/errors.js';
import { exitStatusFor } from '../vmm/stop.js';
import { exitNow } from '../sys/libc.js';
import type { AppImage } from '../app/app-image.js';
import { findGuestOs } from '../app/guest-os.js';
import { applyOverrides, type Overrides } from '../app/overrides.js';
import { encodeRunSpec } from '../app/run-spec.js';
import { resolveMachine, vcpu0Thread, withoutPciOff } from './defaults.js';
import { hostMemory } from './host-memory.js';

/** What app-init needs on the kernel command line, after the guest OS's own words (later ones win). */
export const APP_CMDLINE = 'init=/usr/lib/cc/app-init ro 8250.nr_uarts=3';
/** docker stop's default grace period. */
export const DEFAULT_STOP_TIMEOUT_S = 10;
/** docker run's status for an error of the runtime itself, not of the app. */
export const APP_RUNTIME_ERROR = 125;
/** A terminal's size when the host's is unknown (stdout not a terminal). */
const DEFAULT_TTY = { rows: 24, cols: 80 };

export interface AppOptions {
  kernel?: string;
  guest?: string;
  cpus?: number | string;
  memory?: string;
  cmdline?: string;
  timeout?: number | string;
  json?: boolean;
  log?: string;
  entrypoint?: string;
  env?: string | string[];
  envFile?: string | string[];
  workdir?: string | number;
  user?: string | number;
  name?: string;
  stopTimeout?: number | string;
  tty?: boolean;
  interactive?: boolean;
  '--'?: string[];
}

/** Options that only make sense for an app image (used to explain a plain image). */
export const APP_ONLY_OPTIONS = ['guest', 'log', 'entrypoint', 'env', 'envFile', 'workdir', 'user', 'name', 'stopTimeout', 'tty', 'interactive'] as const;

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

export function overridesFrom(opts: AppOptions): Overrides {
  const cmd = opts['--'];
  return {
    ...(cmd && cmd.length ? { cmd: cmd.map(String) } : {}),
    ...(opts.entrypoint !== undefined ? { entrypoint: String(opts.entrypoint) } : {}),
    env: list(opts.env),
    envFiles: list(opts.envFile).map((path) => {
      if (!existsSync(path)) throw new ConfigError('no-image', `--env-file ${path}: no such file`);
      return { path, text: readFileSync(path, 'utf8') };
    }),
    ...(opts.workdir !== undefined ? { workdir: String(opts.workdir) } : {}),
    ...(opts.user !== undefined ? { user: String(opts.user) } : {}),
    ...(opts.name !== undefined ? { name: String(opts.name) } : {}),
  };
}

export async function runApp(image: string, app: AppImage, opts: AppOptions): Promise<number> {
  const guest = findGuestOs(opts.guest);
  const { kernel, cpus, memory, timeout } = resolveMachine(opts, {
    ...(guest.manifest ? { defaults: guest.manifest.defaults } : {}),
    ...(guest.kernel ? { kernel: guest.kernel } : {}),
  }, `${guest.image}: no kernel given and no guest.json beside it names one`);
  const stopTimeout = Number(opts.stopTimeout ?? DEFAULT_STOP_TIMEOUT_S);
  if (opts.interactive && !opts.tty) {
    throw new ConfigError('bad-size', '-i without -t is not supported yet (the app\'s stdin would never see an end)', 'use -it for an interactive terminal');
  }
  const terminalSize = () => ({ rows: process.stdout.rows || DEFAULT_TTY.rows, cols: process.stdout.columns || DEFAULT_TTY.cols });

  const spec = applyOverrides(app.config, { ...overridesFrom(opts), ...(opts.tty ? { tty: terminalSize() } : {}) }, app.accounts, {
    env: process.env,
    resolvConf: existsSync('/etc/resolv.conf') ? readFileSync('/etc/resolv.conf', 'utf8') : '',
    defaultHostname: randomBytes(6).toString('hex'),
  });
  const { cmdline, warning } = withoutPciOff([guest.manifest?.cmdline ?? guestCmdline(), APP_CMDLINE, opts.log ? '' : 'quiet', opts.cmdline ?? ''].join(' '));
  if (warning) process.stderr.write(`cc-run: warning: ${warning}\n`);
  const logFd = opts.log ? openSync(opts.log, 'w') : undefined;

  let stderrBytes = 0;
  const vm = buildMicrovm({
    kernelPath: kernel,
    imagePath: guest.image,
    cpus,
    memory,
    cmdline,
    extraPmem: [{ path: image }, { label: 'run spec', bytes: encodeRunSpec(spec) }],
    appStreams: {
      onStdout: (b) => process.stdout.write(b),
      onStderr: (b) => {
        stderrBytes += b.length;
        process.stderr.write(b);
      },
    },
    onConsole: (b) => logFd !== undefined && writeSync(logFd, b),
    onWarning: (m) => process.stderr.write(`cc-run: warning: ${m}\n`),
    vcpu0Thread: vcpu0Thread(),
  });

  // app-init reads requests as lines: on COM2's input, or COM3's when COM2 is the app's terminal (-t).
  const request = (line: string) => vm.sendAppInput(opts.tty ? 'com3' : 'com2', Buffer.from(`${line}\n`));
  // First signal: SIGTERM to the app, then the VM stops after the grace period; a second one stops it now.
  let signalled = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const onSignal = () => {
    if (signalled) return vm.stop('interrupted');
    signalled = true;
    request('T');
    graceTimer = setTimeout(() => vm.stop('interrupted'), stopTimeout * 1000);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // -it: keys go to the app's terminal as typed (Ctrl-C becomes the app's SIGINT there).
  const stdin = process.stdin;
  const raw = opts.interactive === true && stdin.isTTY === true;
  if (opts.interactive) {
    if (raw) stdin.setRawMode(true);
    stdin.on('data', (chunk: Buffer) => vm.sendAppInput('com2', chunk));
    stdin.on('error', () => {});
  }
  const onResize = () => {
    const { rows, cols } = terminalSize();
    request(`W ${rows} ${cols}`);
  };
  if (opts.tty) process.stdout.on('resize', onResize);
  const timer = timeout ? setTimeout(() => vm.stop('timeout'), timeout * 1000) : undefined;

  // Atomics.waitAsync does not keep Node's event loop alive; this does while the VM runs.
  const keepAlive = setInterval(() => {}, 1 << 30);
  // Times count from process start (performance.now()'s origin), as in the OS-image report.
  vm.start(0);
  if (opts.interactive) vm.wakeOnInput(stdin.fd);
  const result = await vm.wait();
  clearInterval(keepAlive);
  clearTimeout(timer);
  clearTimeout(graceTimer);
  process.stdout.off('resize', onResize);
  if (raw) stdin.setRawMode(false);
  if (opts.interactive) stdin.pause();
  if (logFd !== undefined) closeSync(logFd);
  const appEnded = ['exit-port', 'interrupted', 'timeout'].includes(result.reason);
  // Any other end (panic, crash, reboot) is the runtime's failure: 125, never the app's 126 or 127.
  const exitStatus = appEnded ? exitStatusFor(result) : APP_RUNTIME_ERROR;
  // app-init failed before the app's stderr existed (no COM2/COM3 in the kernel, say): its message
  // is on the hidden console.
  if (result.reason === 'exit-port' && exitStatus === APP_RUNTIME_ERROR && stderrBytes === 0 && !opts.log) {
    for (const l of result.lastLines.filter((x) => x.startsWith('cc-run: '))) process.stderr.write(`${l}\n`);
  }
  if (!appEnded) {
    process.stderr.write(`cc-run: the guest stopped before the app finished (${result.panicked ? 'kernel panic' : result.reason})${opts.log ? `; kernel log in ${opts.log}` : '; rerun with --log FILE to see the kernel log'}\n`);
    for (const l of result.lastLines.slice(-5)) process.stderr.write(`  | ${l}\n`);
  }
  if (opts.json) {
    process.stderr.write(`${JSON.stringify({
      exitStatus,
      stop: result.reason,
      wallMs: Math.round(performance.now()),
      exits: result.exits,
      ...(hostMemory() ? { host: hostMemory() } : {}),
      config: { kernel, guest: guest.image, image, cpus, memory, cmdline, argv: spec.argv },
    })}\n`);
  }
  if (await vm.workersStopped(2000)) {
    vm.close();
    return exitStatus;
  }
  return exitNow(exitStatus);
}
