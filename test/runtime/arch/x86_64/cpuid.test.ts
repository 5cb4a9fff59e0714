import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { vcpuCpuid } from '../../../../runtime/arch/x86_64/cpuid.js';

const leaf = (fn: number, index = 0) => ({ function: fn, index, flags: 0, eax: 0, ebx: 0x1234, ecx: 0, edx: 0 });

test('per vCPU: APIC id and count in leaf 1, hypervisor bit, x2APIC id in leaf 0xb', () => {
  const table = vcpuCpuid([leaf(0x1), leaf(0xb, 0), leaf(0xb, 1), leaf(0x40000000)], 2, 4);
  assert.is(table[0]!.ebx >>> 24, 2);
  assert.is((table[0]!.ebx >>> 16) & 0xff, 4);
  assert.is(table[0]!.ecx >>> 31, 1);
  assert.is((table[0]!.edx >>> 28) & 1, 1);
  assert.is(table[1]!.edx, 2);
  assert.is(table[2]!.edx, 2);
  assert.equal(table[3], leaf(0x40000000));
});

test.run();
