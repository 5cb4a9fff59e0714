// The guest kernel that end-to-end tests and benchmarks boot: $CC_KERNEL when set, else the tuned
// vmlinux from kernel-config/ through cc-build's own kernel build — instant from the cache, a full
// compile (tens of minutes on 2 cores) the first time on a machine. One answer for every test, so
// they all boot the kernel users get.
import { buildKernel } from '../../builder/kernel/build.js';

let built: Promise<string> | undefined;

export function guestKernel(): Promise<string> {
  const given = process.env['CC_KERNEL'];
  if (given) return Promise.resolve(given);
  built ??= buildKernel({}, process.stdout.isTTY ? 'default' : 'simple').then((k) => k.vmlinuxPath);
  return built;
}
