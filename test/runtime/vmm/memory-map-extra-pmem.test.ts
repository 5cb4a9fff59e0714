import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { VmlinuxInfo } from '../../../runtime/loader/elf.js';
import { planMemory } from '../../../runtime/vmm/memory-map.js';
import { E820_TYPE } from '../../../runtime/uapi/bootparam.js';

const MiB = 1024 * 1024;
const kernel: VmlinuxInfo = {
  segments: [{ index: 0, offset: 0x200000, paddr: 0x1000000, filesz: 8 * MiB, memsz: 10 * MiB }],
  kernelStart: 0x1000000,
  kernelEnd: 0x1000000 + 10 * MiB,
  pvhEntry: 0x1000000,
} as VmlinuxInfo;

test('extra pmem regions follow the root image, 2 MiB-aligned, each an e820 type-12 entry in address order', () => {
  const plan = planMemory(256 * MiB, kernel, 100 * MiB + 5, [40 * MiB, 300]);
  assert.equal(plan.pmem, { gpa: 256 * MiB, size: 102 * MiB });
  assert.equal(plan.extraPmem, [{ gpa: 358 * MiB, size: 40 * MiB }, { gpa: 398 * MiB, size: 2 * MiB }]);
  const pram = plan.e820.filter((e) => e.type === E820_TYPE.PRAM);
  assert.equal(pram.map((e) => [e.addr, e.size]), [[256 * MiB, 102 * MiB], [358 * MiB, 40 * MiB], [398 * MiB, 2 * MiB]]);
});

test('a region that would cross the MMIO hole under 4 GiB moves above it', () => {
  const plan = planMemory(2048 * MiB, kernel, 512 * MiB, [800 * MiB]);
  assert.equal(plan.pmem, { gpa: 2048 * MiB, size: 512 * MiB });
  assert.equal(plan.extraPmem, [{ gpa: 4096 * MiB, size: 800 * MiB }]);
});

test('without extra regions the plan is as before', () => {
  const plan = planMemory(256 * MiB, kernel, 64 * MiB);
  assert.equal(plan.extraPmem, []);
  assert.is(plan.e820.filter((e) => e.type === E820_TYPE.PRAM).length, 1);
});

test.run();
