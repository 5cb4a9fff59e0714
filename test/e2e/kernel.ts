// The guest kernel the boot tests use: $CC_KERNEL, else the reference build (LAB.md).
import { existsSync } from 'node:fs';

export const REFERENCE_VMLINUX = '/var/tmp/kbuild/ref/vmlinux';

/** The vmlinux to boot; undefined (with the reason printed) when there is none outside CI. */
export function guestKernel(): string | undefined {
  const path = process.env.CC_KERNEL ?? REFERENCE_VMLINUX;
  if (existsSync(path)) return path;
  const why = `no guest vmlinux at ${path}: build one from ../shared/reference/guest-6.1-measured.config or set CC_KERNEL`;
  if (process.env.CI === 'true') throw new Error(why);
  console.log(`skipped: ${why}`);
  return undefined;
}
