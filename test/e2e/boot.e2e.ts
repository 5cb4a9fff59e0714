// cc-run on real KVM (directly, or in the nested lab): boots the vmlinux mapped from its file,
// mounts /dev/pmem0 with DAX as root, runs an init that writes to the root and exits 7; the
// image is unchanged afterwards; two guests of one image run at once; a panic and a reboot end
// the run with their statuses; SIGINT stops it cleanly; too many vCPUs is a one-line error; a
// shell on the console runs what arrives on cc-run's stdin. vCPU 0 runs on cc-run's main thread:
// two vCPUs (the second in a worker) boot, --timeout ends an idle guest, and the former layout
// (CC_RUN_VCPU0=worker) still boots.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runInLab } from '../../scripts/kvm-lab.js';
import { makeBusyboxExt4 } from '../../scripts/fixtures/busybox-ext4.js';
import { GUEST_INIT, MARKER } from './guest-init.js';
import { guestKernel } from '../../scripts/lib/guest-kernel.js';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

test('boot from the mapped vmlinux to a DAX pmem root, exit 7, image unchanged, two at once, panic, reboot', async () => {
  const kernel = await guestKernel();
  const dir = mkdtempSync(join(tmpdir(), 'cc-e2e-boot-'));
  try {
    const image = makeBusyboxExt4({ image: join(dir, 'busybox.ext4'), init: GUEST_INIT, sizeMiB: 16 });
    const before = sha256(image);
    const run = (extra: string, out: string, flags = '--timeout 240') =>
      `node bin/cc-run.js ${image} --kernel ${kernel} --memory 256M --cmdline "${extra}" ${flags} --json >${dir}/${out}.out 2>${dir}/${out}.err; echo $? >${dir}/${out}.rc`;
    const script = [
      run('init=/init', 'one'),
      `(${run('init=/init', 'a')}) & (CC_RUN_VCPU0=worker ${run('init=/init', 'b')}) & wait`,
      run('init=/init', 'smp', '--cpus 2 --timeout 240'),
      // Nothing but the idle kick wakes the main thread for the --timeout timer of a sleeping guest.
      run('init=/init cc.test=sleep', 'timeout', '--timeout 25'),
      run('init=/no-such-init', 'panic'),
      run('init=/init cc.test=reboot', 'reboot'),
      // SIGINT while the guest runs: a clean stop with 130.
      `node bin/cc-run.js ${image} --kernel ${kernel} --cmdline "init=/init cc.test=sleep" --json >${dir}/sigint.out 2>${dir}/sigint.err & pid=$!`,
      `n=0; while ! grep -q SLEEP-READY ${dir}/sigint.out && [ $n -lt 240 ]; do sleep 1; n=$((n+1)); done`,
      `kill -INT $pid; wait $pid; echo $? >${dir}/sigint.rc`,
      `node bin/cc-run.js ${image} --kernel ${kernel} --cpus 100000 >${dir}/cpus.out 2>${dir}/cpus.err; echo $? >${dir}/cpus.rc`,
      // Keyboard input through the UART: a shell on the console runs what arrives on stdin.
      `keys=$(mktemp -u /tmp/cc-keys.XXXXXX); mkfifo $keys`,
      `(node bin/cc-run.js ${image} --kernel ${kernel} --cmdline "init=/init cc.test=shell" --timeout 240 <$keys >${dir}/shell.out 2>${dir}/shell.err; echo $? >${dir}/shell.rc) &`,
      `exec 3>$keys`,
      `n=0; while ! grep -q SHELL-READY ${dir}/shell.out && [ $n -lt 240 ]; do sleep 1; n=$((n+1)); done`,
      `printf 'echo STDIN-$((6*7))\\nprintf "\\\\011" | dd of=/dev/port bs=1 seek=1281 count=1\\n' >&3`,
      'wait; exec 3>&-',
    ].join('\n');
    const lab = await runInLab({ command: script, scratchDir: dir, timeoutS: 900 });
    assert.is(lab.exitCode, 0, `lab: ${lab.stderr}\n${lab.consoleLog.slice(-2000)}`);
    const read = (name: string, ext: string) => readFileSync(join(dir, `${name}.${ext}`), 'utf8');
    const report = (name: string) => JSON.parse(read(name, 'err').trim().split('\n').at(-1)!);

    const one = read('one', 'out');
    assert.ok(one.includes(MARKER), `marker missing:\n${one.slice(-3000)}`);
    assert.match(one, /ROOT-MOUNT: \S+ \/ ext4 \S*dax=always/);
    assert.ok(one.includes('ROOT-WRITE: ok'));
    assert.not.ok(one.includes('still running'));
    assert.is(read('one', 'rc').trim(), '7');
    const r = report('one');
    assert.is(r.stop, 'exit-port');
    assert.ok(r.timeToUserspaceMs > 0);
    assert.ok(r.exits['io-out'] > 0);
    assert.ok(r.host.pssKiB > 0);

    for (const g of ['a', 'b']) {
      assert.is(read(g, 'rc').trim(), '7', `guest ${g}: ${read(g, 'err')}`);
      assert.ok(read(g, 'out').includes(MARKER));
    }
    assert.is(read('smp', 'rc').trim(), '7', read('smp', 'err'));
    assert.match(read('smp', 'out'), /^CPUS: 2$/m);
    assert.match(one, /^CPUS: 1$/m);
    assert.is(read('timeout', 'rc').trim(), '124', read('timeout', 'err'));
    assert.ok(read('timeout', 'out').includes('SLEEP-READY'));
    assert.is(report('timeout').stop, 'timeout');

    assert.is(read('panic', 'rc').trim(), '125', read('panic', 'err'));
    assert.match(read('panic', 'err'), /kernel panic; last console lines/);
    assert.is(read('reboot', 'rc').trim(), '0', read('reboot', 'err'));
    assert.is(report('reboot').stop, 'reboot');

    assert.is(read('sigint', 'rc').trim(), '130', read('sigint', 'err'));
    assert.is(report('sigint').stop, 'interrupted');
    assert.is(read('shell', 'rc').trim(), '9', read('shell', 'out').slice(-2000));
    assert.ok(read('shell', 'out').includes('STDIN-42'));
    assert.is(read('cpus', 'rc').trim(), '1');
    assert.match(read('cpus', 'err'), /^cc-run: --cpus 100000: this host's KVM allows at most \d+ vCPUs per VM/);

    assert.is(sha256(image), before, 'the image changed on disk');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
