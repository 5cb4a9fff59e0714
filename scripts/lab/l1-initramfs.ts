// Builds the L1 initramfs (busybox-static, the init script, the kernel's own module files) and
// caches it per kernel release and content, so only the first lab run pays for it.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpioNewc, type CpioEntry } from './cpio.js';
import { labCacheDir, publishCached } from './lab-cache.js';
import { L1_INIT } from './l1-init.js';
import { resolveModules, type L1Kernel } from './l1-kernel.js';
import { LabError } from './lab-error.js';

/** Applets init uses; each becomes a symlink to busybox. */
const APPLETS = ['sh', 'mount', 'insmod', 'mkdir', 'cat', 'grep', 'tail', 'dmesg', 'echo', 'mv', 'chroot',
  'poweroff', 'sleep', 'ip', 'hostname'];

const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];

function findBusybox(): string {
  const path = BUSYBOX_CANDIDATES.find((p) => existsSync(p));
  if (!path) throw new LabError('no-busybox', 'no busybox binary in /bin or /usr/bin', 'apt-get install busybox-static');
  return path;
}

/** Returns the path of a cached initramfs for `kernel`, building it when missing. */
export function l1Initramfs(kernel: L1Kernel, cacheDir = labCacheDir()): string {
  const modules = resolveModules(kernel.moduleDir);
  const flat = (m: string): string => m.split('/').pop()!;
  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'proc', 'sys', 'lower', 'ctl', 'rw', 'root', 'lib', 'lib/modules'].map((path) => ({ type: 'dir' as const, path })),
    { type: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { type: 'file', path: 'bin/busybox', data: readFileSync(findBusybox()), mode: 0o755 },
    ...APPLETS.map((a) => ({ type: 'symlink' as const, path: `bin/${a}`, target: 'busybox' })),
    { type: 'file', path: 'init', data: Buffer.from(L1_INIT), mode: 0o755 },
    { type: 'file', path: 'lib/modules/order', data: Buffer.from(modules.map(flat).join('\n') + '\n') },
    ...modules.map((m) => ({ type: 'file' as const, path: `lib/modules/${flat(m)}`, data: readFileSync(join(kernel.moduleDir, m)) })),
  ];
  // Assembling the archive costs milliseconds; keying the cache on its bytes keeps it exact.
  const archive = cpioNewc(entries);
  const family = `initramfs-${kernel.release}-`;
  const out = join(cacheDir, `${family}${createHash('sha256').update(archive).digest('hex').slice(0, 16)}.cpio`);
  if (!existsSync(out)) publishCached(out, family, archive);
  return out;
}
