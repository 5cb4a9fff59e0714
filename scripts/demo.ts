// The README's main job until the runtime exists: builds a small busybox rootfs tarball, converts it
// with cc-build convert, checks the image with e2fsck and shows its root directory.
//   npm run demo   (writes out/demo.ext4)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import tar from 'tar-stream';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'ls', 'cat', 'echo', 'mount', 'uname', 'ps', 'mkdir', 'rm', 'sleep'];

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.error || r.status !== 0) {
    console.error(`demo: ${cmd} ${args.join(' ')} failed${r.error ? `: ${r.error.message} (run ./scripts/install-deps.sh)` : ''}`);
    process.exit(1);
  }
  return r.stdout;
}

async function rootfsTar(): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  const mtime = new Date(1_700_000_000_000);
  const dir = (name: string, mode = 0o755) => pack.entry({ name, type: 'directory', mode, mtime });
  for (const d of ['bin', 'dev', 'etc', 'proc', 'sys', 'run', 'root']) dir(d, d === 'root' ? 0o700 : 0o755);
  dir('tmp', 0o1777);
  pack.entry({ name: 'bin/busybox', mode: 0o755, mtime }, readFileSync(BUSYBOX));
  for (const a of APPLETS) pack.entry({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox', mtime });
  pack.entry({ name: 'dev/console', type: 'character-device', devmajor: 5, devminor: 1, mode: 0o600, mtime });
  pack.entry({ name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666, mtime });
  pack.entry({ name: 'etc/passwd', mode: 0o644, mtime }, 'root:x:0:0:root:/root:/bin/sh\n');
  pack.entry({ name: 'etc/group', mode: 0o644, mtime }, 'root:x:0:\n');
  pack.entry({ name: 'etc/hostname', mode: 0o644, mtime }, 'cc-demo\n');
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function main(): Promise<void> {
  const out = join(ROOT, 'out');
  mkdirSync(out, { recursive: true });
  const tarball = join(out, 'demo-rootfs.tar');
  const image = join(out, 'demo.ext4');
  writeFileSync(tarball, await rootfsTar());
  console.log(`$ cc-build convert tar:${tarball} -o ${image}`);
  process.stdout.write(sh(process.execPath, [join(ROOT, 'bin/cc-build.js'), 'convert', `tar:${tarball}`, '-o', image]));
  rmSync(tarball);
  console.log(`$ e2fsck -fn ${image}`);
  process.stdout.write(sh('e2fsck', ['-fn', image]).split('\n').slice(-2).join('\n'));
  console.log(`$ debugfs -R 'ls -l /' ${image}`);
  process.stdout.write(sh('debugfs', ['-R', 'ls -l /', image]));
}

await main();
