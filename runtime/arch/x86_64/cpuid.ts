// Per-vCPU CPUID from KVM_GET_SUPPORTED_CPUID: APIC ids, the vCPU count and the hypervisor bit,
// so the guest finds KVM's signature leaf (0x40000000) and uses kvmclock.
import type { CpuidEntry } from '../../kvm/system.js';

const CPUID_1_ECX_HYPERVISOR = 1 << 31;
const CPUID_1_EDX_HTT = 1 << 28;

/** The CPUID table for vCPU `id` of `cpus`. */
export function vcpuCpuid(supported: readonly CpuidEntry[], id: number, cpus: number): CpuidEntry[] {
  return supported.map((e) => {
    const out = { ...e };
    switch (e.function) {
      case 0x1:
        // EBX[31:24] initial APIC id, EBX[23:16] logical processors per package, EBX[15:8] CLFLUSH size (8 x 8 bytes).
        out.ebx = ((id << 24) | (Math.min(cpus, 255) << 16) | (8 << 8) | (e.ebx & 0xff)) >>> 0;
        out.ecx = (e.ecx | CPUID_1_ECX_HYPERVISOR) >>> 0;
        out.edx = cpus > 1 ? (e.edx | CPUID_1_EDX_HTT) >>> 0 : (e.edx & ~CPUID_1_EDX_HTT) >>> 0;
        break;
      case 0xb:
      case 0x1f:
        // x2APIC topology: EDX is this CPU's x2APIC id on every subleaf.
        out.edx = id;
        break;
    }
    return out;
  });
}
