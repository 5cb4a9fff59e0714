import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findL1Kernel, resolveModules } from '../../../scripts/lab/l1-kernel.js';
import { LabError } from '../../../scripts/lab/lab-error.js';

const tree = mkdtempSync(join(tmpdir(), 'cc-l1-kernel-'));
const boot = join(tree, 'boot');
const mods = join(tree, 'modules', '6.1.0-9-amd64');
mkdirSync(boot);
mkdirSync(mods, { recursive: true });
writeFileSync(join(boot, 'vmlinuz-6.1.0-9-amd64'), '');
writeFileSync(join(boot, 'vmlinuz-6.1.0-10-amd64'), ''); // newer, but has no module tree
writeFileSync(join(mods, 'modules.dep'), [
  'kernel/arch/x86/kvm/kvm-amd.ko: kernel/drivers/crypto/ccp/ccp.ko kernel/arch/x86/kvm/kvm.ko kernel/virt/lib/irqbypass.ko',
  'kernel/arch/x86/kvm/kvm.ko: kernel/virt/lib/irqbypass.ko',
  'kernel/virt/lib/irqbypass.ko:',
  'kernel/drivers/crypto/ccp/ccp.ko:',
  '',
].join('\n'));

test('picks the newest kernel that has a module tree', () => {
  const k = findL1Kernel(undefined, boot, join(tree, 'modules'));
  assert.is(k.release, '6.1.0-9-amd64');
  assert.is(k.image, join(boot, 'vmlinuz-6.1.0-9-amd64'));
});

test('orders modules after their dependencies, each once', () => {
  assert.equal(resolveModules(mods, ['kvm-amd', 'kvm']), [
    'kernel/drivers/crypto/ccp/ccp.ko',
    'kernel/virt/lib/irqbypass.ko',
    'kernel/arch/x86/kvm/kvm.ko',
    'kernel/arch/x86/kvm/kvm-amd.ko',
  ]);
});

test('a missing module or kernel is a LabError naming it', () => {
  try {
    resolveModules(mods, ['9p']);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, LabError);
    assert.is((e as LabError).kind, 'no-module');
    assert.match((e as LabError).message, 'no module 9p');
  }
  try {
    findL1Kernel('6.1.0-10-amd64', boot, join(tree, 'modules'));
    assert.unreachable();
  } catch (e) {
    assert.is((e as LabError).kind, 'no-kernel');
    assert.match((e as LabError).message, '6.1.0-10-amd64/modules.dep');
  }
});

test('the lab modules resolve in the installed Debian kernel', () => {
  const k = findL1Kernel();
  const order = resolveModules(k.moduleDir).map((p) => p.split('/').pop());
  for (const [before, after] of [['irqbypass.ko', 'kvm.ko'], ['kvm.ko', 'kvm-amd.ko'], ['virtio_ring.ko', 'virtio_pci.ko'], ['netfs.ko', '9p.ko'], ['9pnet.ko', '9pnet_virtio.ko']]) {
    assert.ok(order.indexOf(before) >= 0 && order.indexOf(before) < order.indexOf(after), `${before} before ${after}: ${order.join(' ')}`);
  }
  assert.ok(order.includes('overlay.ko'));
});

test.after(() => rmSync(tree, { recursive: true, force: true }));
test.run();
