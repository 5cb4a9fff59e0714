// npm run demo — the README's main job: builds recipes/minimal.yaml with cc-build, then boots it with
// cc-run until systemd's login prompt on the serial console (multi-user.target is up), stops the
// guest and prints what happened: the console, cc-run's run report, and that the image is unchanged.
// cc-run runs directly where /dev/kvm is backed by VMX/SVM, in the nested-KVM lab everywhere else.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostHasKvm } from './kvm-lab.js';
import { bootToLogin } from './lib/boot-to-login.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT = join(ROOT, 'out');
const IMAGE = join(OUT, 'minimal.ext4');

function step(title: string): void {
  console.log(`\n== ${title}`);
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

step('cc-build recipes/minimal.yaml -o out');
const build = spawnSync(process.execPath, [join(ROOT, 'bin/cc-build.js'), join(ROOT, 'recipes/minimal.yaml'), '-o', OUT], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const before = sha256(IMAGE);
const where = hostHasKvm() ? 'on this host\'s /dev/kvm' : 'in the nested-KVM lab (no hardware-backed /dev/kvm here)';
step(`cc-run out/minimal.ext4 ${where}, until the login prompt`);
const boot = await bootToLogin(IMAGE, OUT, 1500);
console.log(boot.console.split('\n').slice(-25).join('\n'));
console.log(`cc-run exit status: ${boot.status}`);
if (boot.lab.exitCode !== 0 || !boot.reached) {
  console.error(`demo: the guest did not reach its login prompt (lab exit ${boot.lab.exitCode})\n${boot.lab.stderr}\n${boot.stderr}`);
  process.exit(1);
}

step('run report (cc-run --json)');
const r = JSON.parse(boot.stderr.trim().split('\n').pop()!);
console.log(`time to first userspace output: ${r.timeToUserspaceMs} ms (${boot.lab.wallS.toFixed(1)} s wall ${where})`);
console.log(`VM exits: ${JSON.stringify(r.exits)}`);
if (r.host) console.log(`cc-run host memory: ${JSON.stringify(r.host)}`);
console.log(`image sha256 before ${before.slice(0, 16)}…, after ${sha256(IMAGE).slice(0, 16)}… (the guest wrote to a private copy)`);
