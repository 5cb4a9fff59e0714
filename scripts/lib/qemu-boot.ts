// Boot a kernel under QEMU with software emulation (TCG) and collect its serial console until it
// exits (the test init reboots; -no-reboot turns that into an exit) or a timeout.
import { spawn } from 'node:child_process';

export interface QemuBoot {
  kernel: string;
  initrd?: string;
  append: string;
  /** The root image as virtio-pmem-pci (private mapping: share=off) … */
  pmemImage?: string;
  /** … or as a virtio-blk disk (snapshot=on: writes never reach the file) … */
  diskImage?: string;
  /**
   * … or as legacy e820 type-12 memory, the way cc-run shows it: the file is loaded into guest RAM at
   * `addr` and the cmdline gets memmap=SIZE!ADDR, which turns that range into persistent memory.
   */
  legacyPmem?: { image: string; addr: number };
  memory?: string;
  timeoutMs?: number;
  /** Called with the host's ms since launch the first time the console prints this text; `stop` ends QEMU then (a guest that does not power off). */
  watch?: { text: string; onSeen: (ms: number) => void; stop?: boolean };
}

export interface QemuResult {
  console: string;
  exitCode: number | null;
  wallMs: number;
  timedOut: boolean;
}

export function qemuArgs(boot: QemuBoot, pmemSize?: number): string[] {
  const args = [
    '-M', 'q35', '-accel', 'tcg', '-cpu', 'max', '-smp', '1',
    '-m', boot.memory ?? '512M,slots=2,maxmem=2G',
    '-nodefaults', '-no-user-config', '-display', 'none', '-serial', 'stdio', '-no-reboot',
    '-kernel', boot.kernel, '-append', boot.append,
  ];
  if (boot.initrd) args.push('-initrd', boot.initrd);
  if (boot.pmemImage) {
    args.push('-object', `memory-backend-file,id=pmem0mem,share=off,mem-path=${boot.pmemImage},size=${pmemSize}`);
    args.push('-device', 'virtio-pmem-pci,memdev=pmem0mem,id=pmem0');
  }
  if (boot.diskImage) args.push('-drive', `file=${boot.diskImage},if=virtio,format=raw,snapshot=on`);
  if (boot.legacyPmem) args.push('-device', `loader,file=${boot.legacyPmem.image},addr=0x${boot.legacyPmem.addr.toString(16)},force-raw=on`);
  return args;
}

export async function bootQemu(boot: QemuBoot): Promise<QemuResult> {
  const { statSync } = await import('node:fs');
  if (boot.legacyPmem) {
    const size = statSync(boot.legacyPmem.image).size;
    boot = { ...boot, append: `${boot.append} memmap=${size >> 20}M!${boot.legacyPmem.addr >> 20}M` };
  }
  const args = qemuArgs(boot, boot.pmemImage ? statSync(boot.pmemImage).size : undefined);
  const started = Date.now();
  const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let seen = false;
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('latin1');
    if (boot.watch && !seen && output.includes(boot.watch.text)) {
      seen = true;
      boot.watch.onSeen(Date.now() - started);
      if (boot.watch.stop) child.kill('SIGKILL');
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, boot.timeoutMs ?? 180_000);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
  clearTimeout(timer);
  return { console: output.replace(/\r/g, ''), exitCode, wallMs: Date.now() - started, timedOut };
}

/** The guest's uptime (seconds) printed after the marker, or undefined. */
export function markerUptime(consoleText: string, marker: string): number | undefined {
  const m = new RegExp(`${marker} uptime=([0-9.]+)`).exec(consoleText);
  return m ? Number(m[1]) : undefined;
}

/** The cmdline cc-run would use, starting the test image's init. */
export function qemuCmdline(cmdline: string): string {
  return `${cmdline} init=/init`;
}
