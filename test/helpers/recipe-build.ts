// What the recipe e2e tests share: cc-build run as a user runs it, a recipe pointed at a prebuilt
// kernel when CC_TEST_VMLINUX is set, and the built guest booted under QEMU TCG from virtio-pmem.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { BuildResult } from '../../builder/steps/pipeline.js';
import { bootQemu, type QemuBoot, type QemuResult } from '../../scripts/lib/qemu-boot.js';

export const ROOT = path.resolve(import.meta.dirname, '../../..');

export function ccBuild(...args: string[]): { status: number; stdout: string; stderr: string; ms: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/cc-build.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

/**
 * `original`, or with CC_TEST_VMLINUX=/path/to/vmlinux a copy of it at `copy` that uses that
 * prebuilt kernel (a machine where the tuned kernel is not cached yet: its build takes ~25 min).
 */
export function recipeWithTestKernel(original: string, copy: string): string {
  const vmlinux = process.env['CC_TEST_VMLINUX'];
  if (!vmlinux) return original;
  fs.writeFileSync(copy, `${fs.readFileSync(original, 'utf8')}kernel:\n  vmlinux: ${path.resolve(vmlinux)}\n`);
  return copy;
}

/** Boots a build's kernel and image until `watch.text` shows on the console (five minutes at most). */
export function bootBuilt(result: BuildResult, append: string, watch: NonNullable<QemuBoot['watch']>): Promise<QemuResult> {
  return bootQemu({ kernel: result.outputs.kernel, pmemImage: result.outputs.image, append, timeoutMs: 300_000, watch });
}
