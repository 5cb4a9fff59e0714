// cc-run app.ext4 behaves like docker run (issue 7), on a real /dev/kvm (the nested lab where the
// host has none): an image made with umoci whose entrypoint prints its args, ids, cwd, hostname
// and env runs with every value as configured, then with -e, --env-file, -w, -u, --name,
// --entrypoint and -- CMD overrides; stdout and stderr arrive apart, as pipes, free of kernel output; a
// missing entrypoint gives 127, a non-executable one 126; the app root is /dev/pmem1 with DAX;
// SIGTERM to cc-run reaches the app. All runs share one lab boot (each VM boot is ~20 s there).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runInLab } from '../../scripts/kvm-lab.js';
import { makeAppFixture } from '../../scripts/make-app-fixture.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// The guest OS: CC_GUEST, else out/guest.ext4 from `cc-build recipes/guest.yaml`.
const GUEST = process.env.CC_GUEST ?? join(repoRoot, 'out/guest.ext4');
// The kernel guest.json names, else CC_APP_KERNEL or the reference one (it needs 3 UARTs: kernel-config/console).
const GUEST_JSON = GUEST.replace(/\.ext4$/, '.json');
const KERNEL = process.env.CC_APP_KERNEL ?? (existsSync(GUEST_JSON) ? undefined : '/var/tmp/kbuild/ref/vmlinux');
const sh = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

interface Case {
  name: string;
  args: string;
  env?: string;
  /** Run under script(1), on a pseudo-terminal; `input` is typed after a pause (the guest boots first). */
  pty?: { input?: string };
}

const CASES: Case[] = [
  { name: 'defaults', args: '' },
  {
    name: 'overrides',
    args: `-e GREETING=hi -e EXTRA -e EXIT_CODE=3 --env-file ENVFILE -w /tmp -u nobody:staff --name web1 -- first 'two words' ''`,
    env: 'EXTRA=from-host',
  },
  { name: 'numeric-user', args: `-u 4321 --entrypoint /bin/sh -- -c 'id -u; id -g; id -G; echo "$HOME"; exit 0'` },
  { name: 'mounts', args: `--entrypoint /bin/cat -- /proc/mounts` },
  { name: 'pipes', args: `--entrypoint /bin/sh -- -c '[ -t 1 ] && echo out-tty || echo out-pipe; [ -t 2 ] && echo err-tty >&2 || echo err-pipe >&2'` },
  { name: 'missing', args: '--entrypoint /no/such/binary' },
  { name: 'not-executable', args: '--entrypoint /usr/local/bin/not-executable' },
  { name: 'tty', args: `-t --entrypoint /bin/sh -- -c 'tty; stty size; echo "TERM=$TERM"; echo to-err >&2; exit 4'`, pty: {} },
  { name: 'interactive', args: `-it --entrypoint /bin/sh -- -c 'read x; echo "got=$x"'`, pty: { input: 'hello' } },
];

let work: string;
let results: Map<string, { status: number; stdout: string; stderr: string }>;

test.before(async () => {
  for (const [what, p] of [['guest OS image', GUEST], ['kernel', KERNEL ?? GUEST_JSON]]) {
    if (!existsSync(p!)) throw new Error(`${p}: no ${what} (build it: cc-build recipes/guest.yaml; or set CC_GUEST / CC_APP_KERNEL)`);
  }
  work = mkdtempSync(join(tmpdir(), 'cc-app-e2e-'));
  const image = makeAppFixture(join(work, 'fixture'));
  writeFileSync(join(work, 'env.list'), '# comment\nFROM_FILE=yes\n\nGREETING=overridden-by-e\n');
  const run = `node ${sh(join(repoRoot, 'bin/cc-run.js'))} ${sh(image)} --guest ${sh(GUEST)}${KERNEL ? ` --kernel ${sh(KERNEL)}` : ''} --timeout 300`;
  // script(1) needs ptys: the lab's chroot has /dev but no devpts mounted.
  const lines = ['cd /', '[ -e /dev/pts/ptmx ] || { mkdir -p /dev/pts && mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts && ln -sf pts/ptmx /dev/ptmx; }'];
  for (const c of CASES) {
    const out = join(work, c.name);
    const line = `${run} ${c.args.replace('ENVFILE', sh(join(work, 'env.list')))}`;
    const redirect = `>${sh(`${out}.out`)} 2>${sh(`${out}.err`)}; echo $? >${sh(`${out}.status`)}`;
    if (c.pty) {
      const input = c.pty.input !== undefined ? `(sleep 40; printf '%s\\n' ${sh(c.pty.input)})` : 'true';
      lines.push(`${input} | script -qec ${sh(line)} /dev/null ${redirect}`);
    } else {
      lines.push(`${c.env ?? ''} ${line} ${redirect}`);
    }
  }
  // SIGTERM: the entrypoint traps it and exits 143 (docker's status for a SIGTERM'd app).
  const t = join(work, 'sigterm');
  lines.push(`${run} -- wait >${sh(`${t}.out`)} 2>${sh(`${t}.err`)} & pid=$!`);
  lines.push(`i=0; while ! grep -q waiting ${sh(`${t}.out`)} && [ $i -lt 240 ]; do sleep 0.5; i=$((i+1)); done`);
  lines.push(`kill -TERM $pid; wait $pid; echo $? >${sh(`${t}.status`)}`);
  writeFileSync(join(work, 'run.sh'), `${lines.join('\n')}\n`);
  const r = await runInLab({ command: `sh ${sh(join(work, 'run.sh'))}`, scratchDir: work, timeoutS: 600 });
  writeFileSync(join(work, 'lab.json'), JSON.stringify(r, null, 1));
  assert.is(r.exitCode, 0, `lab run failed (${r.exitCode}):\n${r.stdout}\n${r.stderr}\n${r.consoleLog.slice(-2000)}`);
  results = new Map();
  for (const name of [...CASES.map((c) => c.name), 'sigterm']) {
    const f = (ext: string) => readFileSync(join(work, `${name}.${ext}`), 'utf8');
    results.set(name, { status: Number(f('status').trim()), stdout: f('out'), stderr: f('err') });
  }
});

test.after(() => {
  if (work && !process.env.CC_KEEP) rmSync(work, { recursive: true, force: true });
});

const get = (name: string) => {
  const r = results.get(name);
  if (!r) throw new Error(`no result for ${name}`);
  return r;
};
const envOf = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('env:')).map((l) => l.slice(4));
const argsOf = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('arg=')).map((l) => l.slice(4));

test('the image config as stored: entrypoint + cmd, env, cwd, user, groups; exit status 7', () => {
  const r = get('defaults');
  assert.is(r.status, 7, r.stderr);
  assert.equal(argsOf(r.stdout), ['from-cmd']);
  assert.match(r.stdout, /^uid=1000 gid=1000 groups=1000 50 60$/m);
  assert.match(r.stdout, /^cwd=\/srv\/data$/m);
  const env = envOf(r.stdout);
  for (const e of ['GREETING=hello world', 'EXIT_CODE=7', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/home/app']) {
    assert.ok(env.includes(e), `${e} in ${env.join(', ')}`);
  }
  assert.ok(env.some((e) => /^HOSTNAME=[0-9a-f]{12}$/.test(e)), env.join(', '));
});

test('stdout and stderr arrive apart, without kernel or init output', () => {
  const r = get('defaults');
  assert.is(r.stderr, 'to-stderr\n');
  assert.not.match(r.stdout, /to-stderr/);
  assert.not.match(r.stdout, /\[\s*\d+\.\d+\]|Linux version|EXT4-fs/);
  assert.ok(r.stdout.startsWith('arg=from-cmd\n'), JSON.stringify(r.stdout.slice(0, 80)));
});

test('without -t, stdout and stderr are pipes, as under docker', () => {
  const r = get('pipes');
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, 'out-pipe\n');
  assert.is(r.stderr, 'err-pipe\n');
});

test('-e, --env-file, -w, -u USER:GROUP, --name and -- CMD override the image', () => {
  const r = get('overrides');
  assert.is(r.status, 3, r.stderr);
  assert.equal(argsOf(r.stdout), ['first', 'two words', '']);
  assert.match(r.stdout, /^uid=65534 gid=50 groups=50$/m);
  assert.match(r.stdout, /^cwd=\/tmp$/m);
  assert.match(r.stdout, /^hostname=web1$/m);
  const env = envOf(r.stdout);
  for (const e of ['GREETING=hi', 'EXTRA=from-host', 'FROM_FILE=yes', 'EXIT_CODE=3', 'HOSTNAME=web1', 'HOME=/nonexistent']) {
    assert.ok(env.includes(e), `${e} in ${env.join(', ')}`);
  }
});

test('--entrypoint with a numeric user absent from /etc/passwd: that uid, gid 0, HOME=/', () => {
  const r = get('numeric-user');
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, '4321\n0\n0\n/\n');
});

test('the app root is the app image on /dev/pmem1, mounted with DAX', () => {
  const r = get('mounts');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\/dev\/pmem1 \/ ext4 [^ ]*dax=always/m);
  assert.match(r.stdout, /^proc \/proc proc /m);
  assert.match(r.stdout, /^tmp \/tmp tmpfs /m);
});

test('a missing entrypoint exits 127 and names the path; a non-executable one 126', () => {
  const missing = get('missing');
  assert.is(missing.status, 127);
  assert.match(missing.stderr, /\/no\/such\/binary: No such file or directory/);
  const nx = get('not-executable');
  assert.is(nx.status, 126);
  assert.match(nx.stderr, /not-executable: Permission denied/);
});

test('-t: the app runs on a terminal (ttyS1) of the default size, TERM=xterm, stderr on it too', () => {
  const r = get('tty');
  assert.is(r.status, 4, r.stderr);
  const out = r.stdout.replace(/\r/g, '');
  assert.match(out, /^\/dev\/ttyS1$/m);
  assert.match(out, /^24 80$/m);
  assert.match(out, /^TERM=xterm$/m);
  assert.match(out, /^to-err$/m);
});

test('-it: keys typed on the host reach the app\'s terminal', () => {
  const r = get('interactive');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout.replace(/\r/g, ''), /^got=hello$/m);
});

test('SIGTERM to cc-run reaches the app as SIGTERM; its status is cc-run\'s', () => {
  const r = get('sigterm');
  assert.match(r.stdout, /^waiting$/m);
  assert.match(r.stdout, /^got-SIGTERM$/m);
  assert.is(r.status, 143, r.stderr);
});

test.run();
