// Kvm: the /dev/kvm fd. Thin wrappers, no policy: failures are SysError (runtime/sys/libc.ts).
import { close, ioctlInt, ioctlPtr, open, O_RDWR } from '../sys/libc.js';
import { KVM_MAX_CPUID_ENTRIES, kvm_cpuid_entry2, type Cap } from '../uapi/kvm.js';
import { decodeStruct, sizeOf } from '../uapi/codec.js';
import * as io from './ioctls.js';
import { VmFd } from './vm.js';

export const KVM_DEVICE = '/dev/kvm';

export interface CpuidEntry {
  function: number;
  index: number;
  flags: number;
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
}

export class Kvm {
  private constructor(readonly fd: number) {}

  /** Opens /dev/kvm read-write. */
  static open(path = KVM_DEVICE): Kvm {
    return new Kvm(open(path, O_RDWR));
  }

  /** KVM_GET_API_VERSION. */
  apiVersion(): number {
    return ioctlInt(this.fd, io.KVM_GET_API_VERSION, 0, 'KVM_GET_API_VERSION');
  }

  /** KVM_CHECK_EXTENSION: 0 when absent, else a capability-specific value. */
  checkExtension(cap: Cap): number {
    return ioctlInt(this.fd, io.KVM_CHECK_EXTENSION, cap, 'KVM_CHECK_EXTENSION');
  }

  /** KVM_GET_VCPU_MMAP_SIZE: bytes to mmap from a vCPU fd for kvm_run. */
  vcpuMmapSize(): number {
    return ioctlInt(this.fd, io.KVM_GET_VCPU_MMAP_SIZE, 0, 'KVM_GET_VCPU_MMAP_SIZE');
  }

  /** KVM_GET_SUPPORTED_CPUID. */
  supportedCpuid(): CpuidEntry[] {
    const entrySize = sizeOf(kvm_cpuid_entry2);
    const bytes = new Uint8Array(8 + KVM_MAX_CPUID_ENTRIES * entrySize);
    new DataView(bytes.buffer).setUint32(0, KVM_MAX_CPUID_ENTRIES, true);
    ioctlPtr(this.fd, io.KVM_GET_SUPPORTED_CPUID, bytes, 'KVM_GET_SUPPORTED_CPUID');
    const nent = new DataView(bytes.buffer).getUint32(0, true);
    const entries: CpuidEntry[] = [];
    for (let i = 0; i < nent; i++) {
      const { padding: _, ...e } = decodeStruct<CpuidEntry & { padding: unknown }>(bytes, kvm_cpuid_entry2, 8 + i * entrySize);
      entries.push(e);
    }
    return entries;
  }

  /** KVM_CREATE_VM with the default machine type. */
  createVm(): VmFd {
    return new VmFd(ioctlInt(this.fd, io.KVM_CREATE_VM, 0, 'KVM_CREATE_VM'));
  }

  close(): void {
    close(this.fd);
  }
}
