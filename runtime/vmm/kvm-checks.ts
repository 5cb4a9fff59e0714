// Opening /dev/kvm with the checks and the messages a user needs: the policy the thin kvm/ layer leaves out.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kvm, KVM_DEVICE } from '../kvm/system.js';
import { SysError } from '../sys/libc.js';
import { Cap, KVM_API_VERSION } from '../uapi/kvm.js';
import { KvmError } from './errors.js';

const LAB_HINT = 'on a machine without it, run cc-run inside the nested lab: scripts/kvm-lab.ts (see LAB.md)';

/**
 * True when /dev/kvm comes from kvm_pvm alone (KVM without VT-x/AMD-V, as in some cloud VMs): it
 * runs only PVM-enabled guest kernels, and a standard vmlinux dies early in an emulation failure.
 */
export function kvmIsPvmOnly(sysModule = '/sys/module'): boolean {
  return existsSync(join(sysModule, 'kvm_pvm')) && !existsSync(join(sysModule, 'kvm_intel')) && !existsSync(join(sysModule, 'kvm_amd'));
}

/** Opens /dev/kvm and checks the API version and the capabilities cc-run uses. */
export function openKvm(path = KVM_DEVICE, sysModule = '/sys/module'): Kvm {
  if (!existsSync(path)) {
    throw new KvmError('no-kvm', `${path} does not exist: this machine offers no hardware virtualization to Linux`,
      `enable VT-x/AMD-V in the firmware, load kvm_intel or kvm_amd, or in a VM turn on nested virtualization; ${LAB_HINT}`);
  }
  if (kvmIsPvmOnly(sysModule)) {
    throw new KvmError('no-kvm', `${path} is kvm_pvm (KVM without VT-x/AMD-V): it runs only PVM-enabled guest kernels, not a standard vmlinux`,
      `use a machine with hardware virtualization, or ${LAB_HINT}`);
  }
  let kvm: Kvm;
  try {
    kvm = Kvm.open(path);
  } catch (e) {
    throw new KvmError('kvm-access', `cannot open ${path}: ${(e as Error).message}`,
      'add your user to the kvm group or fix the device ACL', { cause: e });
  }
  const version = kvm.apiVersion();
  if (version !== KVM_API_VERSION) {
    kvm.close();
    throw new KvmError('api-version', `${path}: KVM API version ${version}, cc-run needs ${KVM_API_VERSION}`);
  }
  const required: [Cap, string][] = [
    [Cap.IRQCHIP, 'KVM_CAP_IRQCHIP'],
    [Cap.USER_MEMORY, 'KVM_CAP_USER_MEMORY'],
    [Cap.SET_TSS_ADDR, 'KVM_CAP_SET_TSS_ADDR'],
    [Cap.EXT_CPUID, 'KVM_CAP_EXT_CPUID'],
    [Cap.PIT2, 'KVM_CAP_PIT2'],
    [Cap.SET_IDENTITY_MAP_ADDR, 'KVM_CAP_SET_IDENTITY_MAP_ADDR'],
  ];
  for (const [cap, name] of required) {
    if (!kvm.checkExtension(cap)) {
      kvm.close();
      throw new KvmError('missing-cap', `${path}: KVM lacks ${name}`, 'use a newer host kernel');
    }
  }
  return kvm;
}

/** The most vCPUs this KVM allows in one VM (KVM_CAP_MAX_VCPUS, else KVM_CAP_NR_VCPUS, else 4). */
export function maxVcpus(kvm: Kvm): number {
  try {
    return kvm.checkExtension(Cap.MAX_VCPUS) || kvm.checkExtension(Cap.NR_VCPUS) || 4;
  } catch (e) {
    if (e instanceof SysError) return 4;
    throw e;
  }
}

export function checkVcpuCount(kvm: Kvm, cpus: number, limit: number): void {
  const max = Math.min(maxVcpus(kvm), limit);
  if (cpus > max) {
    throw new KvmError('too-many-vcpus', `--cpus ${cpus}: this host's KVM allows at most ${max} vCPUs per VM`,
      `use --cpus ${max} or fewer`);
  }
}
