import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { l1Failure, l1QemuArgs, runInLab, splitCommandLine } from '../../scripts/kvm-lab.js';

test('an L1 init failure becomes one line naming the cause', () => {
  const e = l1Failure('[    1.2] something\r\nCC-LAB-FAIL: insmod kvm-amd.ko: Invalid argument\n[    1.3] reboot: Power down\n');
  assert.is(e.kind, 'l1-failed');
  assert.is(e.message, 'nested-KVM lab: L1 failed: insmod kvm-amd.ko: Invalid argument');
  assert.not.match(e.message, '\n');
  assert.match(e.consoleLog ?? '', 'something');
});

test('an L1 that stops silently names the last console line', () => {
  const e = l1Failure('qemu-system-x86_64: -kernel /nope: could not open\n');
  assert.is(e.kind, 'no-result');
  assert.is(e.message, 'nested-KVM lab: L1 stopped without a result (last console line: qemu-system-x86_64: -kernel /nope: could not open)');
});

test('L1 shares the host root read-only and the control and scratch folders writable', () => {
  const args = l1QemuArgs('/k', '/i', '/tmp/ctl', { scratchDir: '/tmp/s' }).join(' ');
  assert.match(args, '-virtfs local,path=/,mount_tag=host,security_model=none,multidevs=remap,readonly=on');
  assert.match(args, /mount_tag=ctl,security_model=none,multidevs=remap( |$)/);
  assert.match(args, /path=\/tmp\/s,mount_tag=scratch,security_model=none,multidevs=remap( |$)/);
  assert.match(args, '-accel tcg -cpu max -m 4096 -smp 1');
});

test('the command starts at -- or at the first word that is not an option', () => {
  const valued = ['--timeout'];
  assert.equal(splitCommandLine(['--timeout', '9', 'ls', '-l'], valued), { options: ['--timeout', '9'], command: ['ls', '-l'] });
  assert.equal(splitCommandLine(['--json', '--', '-x', 'y'], valued), { options: ['--json'], command: ['-x', 'y'] });
  assert.equal(splitCommandLine(['--help'], valued), { options: ['--help'], command: [] });
});

test('where the lab is not needed the command runs directly, with the same result shape', async () => {
  const saved = process.env.CC_LAB;
  process.env.CC_LAB = 'direct';
  try {
    const r = await runInLab({ command: 'echo "$X $NO_COLOR"; echo e >&2; exit 3', env: { X: 'x' } });
    assert.equal({ exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, mode: r.mode, timedOut: r.timedOut },
      { exitCode: 3, stdout: 'x 1\n', stderr: 'e\n', mode: 'direct', timedOut: false });
    const slow = await runInLab({ command: 'sleep 5', timeoutS: 0.2 });
    assert.is(slow.exitCode, 124);
    assert.ok(slow.timedOut);
  } finally {
    if (saved === undefined) delete process.env.CC_LAB;
    else process.env.CC_LAB = saved;
  }
});

test.run();
