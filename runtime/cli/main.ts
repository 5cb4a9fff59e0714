// cc-run: boots an ext4 image on KVM with the TypeScript VMM.
import { cac } from 'cac';
import { guestCmdline } from '../../manifest/guest-cmdline.js';
import { exitNow } from '../sys/libc.js';
import { buildMicrovm, type MicrovmResult } from '../vmm/builder.js';
import { ConfigError, VmmError } from '../vmm/errors.js';
import { checkExt4Image } from '../vmm/image-check.js';
import { EXIT_STATUS, exitStatusFor } from '../vmm/stop.js';
import { DEFAULT_CPUS, DEFAULT_MEMORY, manifestRelative, readManifest, resolveMachine, vcpu0Thread, withoutPciOff } from './defaults.js';
import { hostMemory, type HostMemory } from './host-memory.js';
import { readAppImage } from '../app/app-image.js';
import { APP_ONLY_OPTIONS, APP_RUNTIME_ERROR, runApp, type AppOptions } from './app.js';

/** performance.now() counts from process start: the report's times are from there. */
const moduleReadyMs = performance.now();
const CTRL_C = 0x03;
/** With --pass-ctrl-c, Ctrl-] stops the VM (as telnet's escape). */
const CTRL_RIGHT_BRACKET = 0x1d;

interface Options {
  kernel?: string;
  cpus?: number | string;
  memory?: string;
  cmdline?: string;
  timeout?: number | string;
  json?: boolean;
  passCtrlC?: boolean;
  debug?: boolean;
}

export interface RunReport {
  exitStatus: number;
  stop: MicrovmResult['reason'];
  guestStatus?: number;
  panicked: boolean;
  /** From cc-run's process start to the first console line from guest userspace. */
  timeToUserspaceMs?: number;
  wallMs: number;
  /** Milestones from process start: cc-run's code loaded, VM built, first console byte. */
  phasesMs: { moduleReady: number; vmBuilt: number; firstConsole?: number };
  exits: MicrovmResult['exits'];
  consoleBytes: number;
  host?: HostMemory;
  config: { kernel: string; image: string; cpus: number; memory: number; cmdline: string };
  lastLines?: string[];
  vcpuStates?: string[];
  vcpuErrors?: string[];
}

function fail(e: unknown, debug: boolean, status: number = EXIT_STATUS.VMM_ERROR): never {
  const err = e as Error & { hint?: string };
  const line = err instanceof VmmError || err.name.endsWith('Error')
    ? `cc-run: ${err.message}${err.hint ? ` (${err.hint})` : ''}`
    : `cc-run: ${String(e)}`;
  process.stderr.write(`${line}\n`);
  if (debug) {
    for (let c: unknown = e; c; c = (c as Error).cause) process.stderr.write(`  ${(c as Error).stack ?? String(c)}\n`);
  }
  process.exit(status);
}



async function run(image: string, opts: Options): Promise<number> {
  checkExt4Image(image);
  const found = readManifest(image);
  const { kernel, cpus, memory, timeout } = resolveMachine(opts, found && {
    defaults: found.manifest.defaults,
    ...(found.manifest.kernel ? { kernel: manifestRelative(found.path, found.manifest.kernel.path) } : {}),
  }, `${image}: no kernel given and no build manifest beside it names one`);
  const { cmdline, warning } = withoutPciOff([found?.manifest.cmdline ?? guestCmdline(), opts.cmdline ?? ''].join(' '));
  if (warning) process.stderr.write(`cc-run: warning: ${warning}\n`);

  const vm = buildMicrovm({
    kernelPath: kernel,
    imagePath: image,
    cpus,
    memory,
    cmdline,
    onConsole: (bytes) => process.stdout.write(bytes),
    onWarning: (m) => process.stderr.write(`cc-run: warning: ${m}\n`),
    vcpu0Thread: vcpu0Thread(),
  });

  const vmBuiltMs = performance.now();
  const stdin = process.stdin;
  const raw = stdin.isTTY === true;
  if (raw) stdin.setRawMode(true);
  stdin.on('data', (chunk: Buffer) => {
    if (raw && !opts.passCtrlC && chunk.includes(CTRL_C)) return vm.stop('interrupted');
    if (raw && opts.passCtrlC && chunk.includes(CTRL_RIGHT_BRACKET)) return vm.stop('interrupted');
    vm.sendInput(chunk);
  });
  stdin.on('error', () => {});
  // A closed pipe on stdout (cc-run | head) must not end the VMM before its teardown.
  process.stdout.on('error', () => {});
  const onSignal = () => vm.stop('interrupted');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const timer = timeout ? setTimeout(() => vm.stop('timeout'), timeout * 1000) : undefined;

  vm.start(0);
  vm.wakeOnInput(stdin.fd);
  const result = await vm.wait();
  if (timer) clearTimeout(timer);
  if (raw) stdin.setRawMode(false);
  stdin.pause();
  const host = hostMemory();
  const exitStatus = exitStatusFor(result);
  const crashed = result.panicked || ['triple-fault', 'crash', 'vmm-error'].includes(result.reason);
  if (crashed) {
    process.stderr.write(`\ncc-run: guest stopped: ${result.panicked ? 'kernel panic' : result.reason}; last console lines:\n`);
    for (const l of result.lastLines) process.stderr.write(`  | ${l}\n`);
    for (const e of [...result.vcpuStates, ...result.vcpuErrors]) process.stderr.write(`cc-run: ${e}\n`);
  }
  if (opts.json) {
    const report: RunReport = {
      exitStatus,
      stop: result.reason,
      ...(result.guestStatus !== undefined ? { guestStatus: result.guestStatus } : {}),
      panicked: result.panicked,
      ...(result.firstUserspaceMs !== undefined ? { timeToUserspaceMs: Math.round(result.firstUserspaceMs) } : {}),
      wallMs: Math.round(performance.now()),
      phasesMs: {
        moduleReady: Math.round(moduleReadyMs),
        vmBuilt: Math.round(vmBuiltMs),
        ...(result.firstConsoleMs !== undefined ? { firstConsole: Math.round(result.firstConsoleMs) } : {}),
      },
      exits: result.exits,
      consoleBytes: result.consoleBytes,
      ...(host ? { host } : {}),
      config: { kernel, image, cpus, memory, cmdline },
      ...(crashed ? { lastLines: result.lastLines, vcpuStates: result.vcpuStates, vcpuErrors: result.vcpuErrors } : {}),
    };
    process.stderr.write(`${JSON.stringify(report)}\n`);
  }
  if (await vm.workersStopped(2000)) {
    vm.close();
    return exitStatus;
  }
  // A vCPU thread is stuck in KVM_RUN: end the process without waiting for it.
  return exitNow(exitStatus);
}

const cli = cac('cc-run');
cli
  .command('<image>', 'Boot an ext4 image (root on /dev/pmem0, DAX) with a vmlinux on KVM, or run an app image like docker run')
  .option('--kernel <vmlinux>', 'Uncompressed kernel ELF (default: from IMAGE.json beside the image)')
  .option('--cpus <n>', `vCPUs (default: ${DEFAULT_CPUS})`)
  .option('--memory <size>', `RAM, like 256M or 1G (default: ${DEFAULT_MEMORY})`)
  .option('--cmdline <extra>', 'Appended to the kernel command line, e.g. init=/init')
  .option('--timeout <seconds>', 'Stop the VM after this long (exit status 124)')
  .option('--json', 'Print a run report as JSON on stderr at exit')
  .option('--pass-ctrl-c', 'Send Ctrl-C to the guest; Ctrl-] stops the VM instead')
  .option('--debug', 'Print the cause chain of an error')
  .option('--guest <image>', 'App images: the guest OS image (default: $CC_GUEST, out/guest.ext4)')
  .option('--log <file>', 'App images: write the kernel log (serial console) to this file')
  .option('--entrypoint <cmd>', 'App images: replace the entrypoint (and drop the image\'s cmd)')
  .option('-e, --env <key=value>', 'App images: set an environment variable (repeatable; KEY alone takes the host\'s value)')
  .option('--env-file <file>', 'App images: read KEY=VALUE lines (repeatable)')
  .option('-w, --workdir <dir>', 'App images: working directory')
  .option('-u, --user <user[:group]>', 'App images: user and group, by name (from the image) or id')
  .option('--name <name>', 'App images: the guest\'s hostname')
  .option('-t, --tty', 'App images: run the app on a terminal (stdout and stderr together, window size passed on)')
  .option('-i, --interactive', 'App images: with -t, send your keys to the app (Ctrl-C included)')
  .option('--stop-timeout <seconds>', 'App images: grace period after SIGTERM before the VM stops (default 10)')
  .example('cc-run out/minimal.ext4')
  .example('cc-run os.ext4 --kernel vmlinux --memory 512M --cpus 2 --cmdline init=/init --json')
  .example('cc-run app.ext4 -e GREETING=hi -w /srv -u nobody -- sh -c \'echo $GREETING\'')
  .action(async (image: string, opts: Options & AppOptions) => {
    let appMode = false;
    try {
      checkExt4Image(image);
      const app = readAppImage(image);
      if (app) {
        appMode = true;
        process.exit(await runApp(image, app, opts));
      }
      const appOnly = APP_ONLY_OPTIONS.filter((o) => opts[o] !== undefined);
      if (appOnly.length || opts['--']?.length) {
        throw new ConfigError('no-image', `${image}: not an app image (no /.cc/image.json), so ${opts['--']?.length ? 'a command after --' : `--${appOnly[0]}`} does not apply`,
          'an image from cc-build convert runs as an app; this one boots as an OS image: cc-run IMAGE [--kernel VMLINUX] [--cmdline init=…]');
      }
      process.exit(await run(image, opts));
    } catch (e) {
      fail(e, opts.debug === true, appMode ? APP_RUNTIME_ERROR : EXIT_STATUS.VMM_ERROR);
    }
  });
cli.help((sections) => [
  ...sections,
  {
    title: 'Exit status',
    body: [
      '  N    the guest wrote N to the debug-exit port 0x501',
      '  0    the guest rebooted (reboot -f, i8042 reset) or powered off',
      `  ${EXIT_STATUS.VMM_ERROR}    cc-run could not start the VM or failed`,
      `  ${EXIT_STATUS.TIMEOUT}  --timeout elapsed`,
      `  ${EXIT_STATUS.GUEST_PANIC}  the guest kernel panicked`,
      `  ${EXIT_STATUS.GUEST_CRASH}  the guest crashed (triple fault, emulation failure)`,
      `  ${EXIT_STATUS.INTERRUPTED}  stopped by Ctrl-C, SIGINT or SIGTERM`,
      '',
      '  App images (from cc-build convert), as docker run:',
      "  N    the app's exit status (143 when SIGTERM ended it)",
      `  ${APP_RUNTIME_ERROR}  cc-run or the guest failed (no guest OS image, unknown user, kernel panic)`,
      '  126  the entrypoint is not executable',
      '  127  the entrypoint does not exist',
    ].join('\n'),
  },
]);
try {
  cli.parse(process.argv, { run: false });
  if (!cli.matchedCommand && !cli.options.help) {
    cli.outputHelp();
    process.exit(2);
  }
  await cli.runMatchedCommand();
} catch (e) {
  fail(e, false);
}
