// Makes a Debian rootfs tarball for tests and benchmarks (never committed):
//   node dist/scripts/make-debian-rootfs.js [OUT.tar] [--variant minbase] [--suite bookworm]
// Reuses OUT.tar when it exists. Needs mmdebstrap, root, and the Debian mirror.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export const DEFAULT_ROOTFS = '/var/tmp/cc-image/debian-minbase.tar';

export function makeDebianRootfs(out = DEFAULT_ROOTFS, variant = 'minbase', suite = 'bookworm'): string {
  const path = resolve(out);
  if (existsSync(path)) return path;
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp.tar`;
  const r = spawnSync('mmdebstrap', ['--quiet', `--variant=${variant}`, suite, temp], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error || r.status !== 0) throw new Error(`mmdebstrap ${suite} failed (${r.error?.message ?? `exit ${r.status}`})`);
  renameSync(temp, path);
  return path;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const flag = (name: string, def: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1]! : def;
  };
  const variant = flag('--variant', 'minbase');
  const suite = flag('--suite', 'bookworm');
  console.log(makeDebianRootfs(args[0], variant, suite));
}
