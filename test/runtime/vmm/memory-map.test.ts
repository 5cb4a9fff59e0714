import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planMemory } from '../../../runtime/vmm/memory-map.js';
import type { VmlinuxInfo } from '../../../runtime/loader/elf.js';
import type { ConfigError } from '../../../runtime/vmm/errors.js';

const MiB = 1024 * 1024;
// The reference vmlinux's PT_LOADs (readelf -l /var/tmp/kbuild/ref/vmlinux).
const kernel: VmlinuxInfo = {
  segments: [
    { index: 0, offset: 0x200000, paddr: 0x1000000, filesz: 0xae31c4, memsz: 0xae31c4 },
    { index: 1, offset: 0xe00000, paddr: 0x1c00000, filesz: 0xf9000, memsz: 0xf9000 },
    { index: 2, offset: 0x1000000, paddr: 0x1cf9000, filesz: 0x231e8, memsz: 0x231e8 },
    { index: 3, offset: 0x111d000, paddr: 0x1d1d000, filesz: 0xbb000, memsz: 0x30b000 },
  ],
  kernelStart: 0x1000000,
  kernelEnd: 0x2028000,
  pvhEntry: 0x1000600,
};

test('segments get their own page-rounded slots; RAM fills the rest; pmem above RAM, 2 MiB aligned', () => {
  const plan = planMemory(256 * MiB, kernel, 16 * MiB + 5);
  assert.ok(plan.segments.every((s) => s.mapped));
  assert.equal(plan.segments.map((s) => [s.gpa, s.size]), [
    [0x1000000, 0xae4000], [0x1c00000, 0xf9000], [0x1cf9000, 0x24000], [0x1d1d000, 0x30b000],
  ]);
  assert.equal(plan.ram, [
    { gpa: 0, size: 0x1000000 }, { gpa: 0x1ae4000, size: 0x1c00000 - 0x1ae4000 }, { gpa: 0x2028000, size: 256 * MiB - 0x2028000 },
  ]);
  assert.equal(plan.pmem, { gpa: 256 * MiB, size: 18 * MiB });
  assert.equal(plan.e820.map((e) => e.type), [1, 1, 12]);
  assert.equal(plan.e820[1], { addr: 0x100000, size: 256 * MiB - 0x100000, type: 1 });
  assert.equal(plan.warnings, []);
});

test('RAM above 3 GiB moves past the MMIO hole, and pmem after it', () => {
  const plan = planMemory(4096 * MiB, kernel, 64 * MiB);
  assert.equal(plan.ram.at(-1), { gpa: 4096 * MiB, size: 1024 * MiB });
  assert.equal(plan.pmem, { gpa: 5120 * MiB, size: 64 * MiB });
  assert.equal(plan.e820.filter((e) => e.type === 1).at(-1), { addr: 4096 * MiB, size: 1024 * MiB, type: 1 });
});

test('a segment not page-aligned in the file is copied, with a warning', () => {
  const odd = { ...kernel, segments: [{ ...kernel.segments[0]!, offset: 0x200010 }, ...kernel.segments.slice(1)] };
  const plan = planMemory(256 * MiB, odd, MiB);
  assert.not.ok(plan.segments[0]!.mapped);
  assert.is(plan.ram[0]!.size, 0x1c00000);
  assert.match(plan.warnings[0]!, /segment 0 .* copied/);
});

test('too little memory for the kernel is a ConfigError with the size to use', () => {
  assert.throws(() => planMemory(48 * MiB, kernel, MiB), (e: ConfigError) => e.kind === 'memory-too-small' && /--memory 81M/.test(e.hint ?? ''));
});

test.run();
