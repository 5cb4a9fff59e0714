import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kvmIsPvmOnly, openKvm } from '../../../runtime/vmm/kvm-checks.js';
import type { KvmError } from '../../../runtime/vmm/errors.js';

test('no /dev/kvm: says why and what to do', () => {
  assert.throws(() => openKvm('/nonexistent/kvm'), (e: KvmError) =>
    e.kind === 'no-kvm' && /no hardware virtualization/.test(e.message) && /nested virtualization/.test(e.hint ?? '') && /kvm-lab/.test(e.hint ?? ''));
});

test('a /dev/kvm from kvm_pvm alone is refused up front, not left to crash the guest', () => {
  const sys = mkdtempSync(join(tmpdir(), 'cc-sysmodule-'));
  try {
    mkdirSync(join(sys, 'kvm'));
    mkdirSync(join(sys, 'kvm_pvm'));
    assert.ok(kvmIsPvmOnly(sys));
    // The path exists (any file will do): the module check comes before opening it.
    assert.throws(() => openKvm(sys, sys), (e: KvmError) =>
      e.kind === 'no-kvm' && /kvm_pvm/.test(e.message) && /kvm-lab/.test(e.hint ?? ''));
    mkdirSync(join(sys, 'kvm_amd'));
    assert.not.ok(kvmIsPvmOnly(sys));
  } finally {
    rmSync(sys, { recursive: true, force: true });
  }
});

test.run();
