import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openKvm } from '../../../runtime/vmm/kvm-checks.js';
import type { KvmError } from '../../../runtime/vmm/errors.js';

test('no /dev/kvm: says why and what to do', () => {
  assert.throws(() => openKvm('/nonexistent/kvm'), (e: KvmError) =>
    e.kind === 'no-kvm' && /no hardware virtualization/.test(e.message) && /nested virtualization/.test(e.hint ?? '') && /kvm-lab/.test(e.hint ?? ''));
});

test.run();
