// Builds the app image the app tests run: an OCI image made with umoci (busybox-static, an
// /etc/passwd and /etc/group with a user in two extra groups, an entrypoint script that prints
// its argv, ids, cwd, hostname and env, writes a line to stderr and exits with $EXIT_CODE),
// converted with `cc-build convert`. Needs root (umoci keeps owners).
// Usage: node dist/scripts/make-app-fixture.js OUTDIR  → OUTDIR/app.ext4
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'id', 'pwd', 'hostname', 'env', 'sort', 'sed', 'echo', 'cat', 'sleep', 'true', 'false', 'ls', 'kill', 'tty', 'stty'];

export const ENTRYPOINT_SCRIPT = `#!/bin/sh
trap 'echo got-SIGTERM; exit 143' TERM
for a in "$@"; do echo "arg=$a"; done
echo "uid=$(id -u) gid=$(id -g) groups=$(id -G)"
echo "cwd=$(pwd)"
echo "hostname=$(hostname)"
env | sort | sed 's/^/env:/'
echo "to-stderr" >&2
if [ "$1" = wait ]; then echo waiting; sleep 1000 & wait; fi
exit "\${EXIT_CODE:-0}"
`;

/** The image's configured run settings (what the tests expect without overrides). */
export const FIXTURE_CONFIG = {
  entrypoint: '/usr/local/bin/show',
  cmd: ['from-cmd'],
  env: ['GREETING=hello world', 'EXIT_CODE=7'],
  workingDir: '/srv/data',
  user: 'app',
  uid: 1000,
  gid: 1000,
  groups: [50, 60],
};

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });

export function makeAppFixture(out: string): string {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: apt-get install busybox-static`);
  mkdirSync(out, { recursive: true });
  const layout = join(out, 'layout');
  const bundle = join(out, 'bundle');
  run('umoci', ['init', '--layout', layout]);
  run('umoci', ['new', '--image', `${layout}:base`]);
  run('umoci', ['unpack', '--image', `${layout}:base`, bundle]);
  const r = join(bundle, 'rootfs');
  for (const d of ['bin', 'etc', 'usr/local/bin', 'srv/data', 'home/app', 'tmp']) mkdirSync(join(r, d), { recursive: true });
  execFileSync('cp', [BUSYBOX, join(r, 'bin/busybox')]);
  for (const a of APPLETS) execFileSync('ln', ['-s', 'busybox', join(r, 'bin', a)]);
  writeFileSync(join(r, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(r, 'etc/group'), 'root:x:0:\nstaff:x:50:app\nextra:x:60:app\napp:x:1000:\nnogroup:x:65534:\n');
  writeFileSync(join(r, 'usr/local/bin/show'), ENTRYPOINT_SCRIPT, { mode: 0o755 });
  writeFileSync(join(r, 'usr/local/bin/not-executable'), 'just text\n', { mode: 0o644 });
  execFileSync('chown', ['1000:1000', join(r, 'home/app'), join(r, 'srv/data')]);
  run('umoci', ['repack', '--image', `${layout}:base`, bundle]);
  const c = FIXTURE_CONFIG;
  run('umoci', ['config', '--image', `${layout}:base`, '--tag', 'app', `--config.entrypoint=${c.entrypoint}`, `--config.cmd=${c.cmd[0]}`,
    ...c.env.map((e) => `--config.env=${e}`), `--config.workingdir=${c.workingDir}`, `--config.user=${c.user}`]);
  const image = join(out, 'app.ext4');
  run('node', [join(repoRoot, 'bin/cc-build.js'), 'convert', `oci:${layout}:app`, '-o', image]);
  return image;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(makeAppFixture(resolve(process.argv[2] ?? 'test-app-fixture')));
}
