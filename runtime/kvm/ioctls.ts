// Every KVM ioctl number the VMM uses, grouped by the fd it is issued on (linux/kvm.h).
import { sizeOf } from '../uapi/codec.js';
import { _IO, _IOR, _IOW, _IOWR } from '../uapi/ioctl.js';
import {
  KVMIO, kvm_cpuid2, kvm_irq_level, kvm_lapic_state, kvm_pit_config, kvm_regs, kvm_signal_mask, kvm_sregs,
  kvm_userspace_memory_region,
} from '../uapi/kvm.js';

const size = sizeOf;

/** ioctls on /dev/kvm. */
export const KVM_GET_API_VERSION = _IO(KVMIO, 0x00);
export const KVM_CREATE_VM = _IO(KVMIO, 0x01);
export const KVM_CHECK_EXTENSION = _IO(KVMIO, 0x03);
export const KVM_GET_VCPU_MMAP_SIZE = _IO(KVMIO, 0x04);
export const KVM_GET_SUPPORTED_CPUID = _IOWR(KVMIO, 0x05, size(kvm_cpuid2));

/** ioctls on a VM fd. */
export const KVM_CREATE_VCPU = _IO(KVMIO, 0x41);
export const KVM_SET_USER_MEMORY_REGION = _IOW(KVMIO, 0x46, size(kvm_userspace_memory_region));
/** Needs Cap.SET_TSS_ADDR. */
export const KVM_SET_TSS_ADDR = _IO(KVMIO, 0x47);
/** Needs Cap.SET_IDENTITY_MAP_ADDR. */
export const KVM_SET_IDENTITY_MAP_ADDR = _IOW(KVMIO, 0x48, 8);
/** Needs Cap.IRQCHIP. */
export const KVM_CREATE_IRQCHIP = _IO(KVMIO, 0x60);
export const KVM_IRQ_LINE = _IOW(KVMIO, 0x61, size(kvm_irq_level));
/** Needs Cap.PIT2. */
export const KVM_CREATE_PIT2 = _IOW(KVMIO, 0x77, size(kvm_pit_config));

/** ioctls on a vCPU fd. */
export const KVM_RUN = _IO(KVMIO, 0x80);
export const KVM_GET_REGS = _IOR(KVMIO, 0x81, size(kvm_regs));
export const KVM_SET_REGS = _IOW(KVMIO, 0x82, size(kvm_regs));
export const KVM_GET_SREGS = _IOR(KVMIO, 0x83, size(kvm_sregs));
export const KVM_SET_SREGS = _IOW(KVMIO, 0x84, size(kvm_sregs));
export const KVM_SET_SIGNAL_MASK = _IOW(KVMIO, 0x8b, size(kvm_signal_mask));
export const KVM_GET_LAPIC = _IOR(KVMIO, 0x8e, size(kvm_lapic_state));
export const KVM_SET_LAPIC = _IOW(KVMIO, 0x8f, size(kvm_lapic_state));
export const KVM_SET_CPUID2 = _IOW(KVMIO, 0x90, size(kvm_cpuid2));
