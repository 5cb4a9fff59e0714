// VmFd: one virtual machine. Thin wrappers, no policy.
import { close, ioctlInt, ioctlPtr } from '../sys/libc.js';
import { kvm_irq_level, kvm_pit_config, kvm_userspace_memory_region } from '../uapi/kvm.js';
import { encodeStruct, sizeOf } from '../uapi/codec.js';
import * as io from './ioctls.js';
import { VcpuFd } from './vcpu.js';

export interface MemoryRegion {
  slot: number;
  flags: number;
  guestPhysAddr: number;
  memorySize: number;
  userspaceAddr: bigint;
}

export class VmFd {
  private readonly irqLevel = new Uint8Array(sizeOf(kvm_irq_level));
  private readonly irqView = new DataView(this.irqLevel.buffer);

  constructor(readonly fd: number) {}

  /** KVM_SET_USER_MEMORY_REGION. */
  setUserMemoryRegion(r: MemoryRegion): void {
    const bytes = encodeStruct(kvm_userspace_memory_region, {
      slot: r.slot,
      flags: r.flags,
      guest_phys_addr: r.guestPhysAddr,
      memory_size: r.memorySize,
      userspace_addr: r.userspaceAddr,
    });
    ioctlPtr(this.fd, io.KVM_SET_USER_MEMORY_REGION, bytes, 'KVM_SET_USER_MEMORY_REGION');
  }

  /** KVM_SET_TSS_ADDR: three pages KVM needs for real-mode emulation on Intel. */
  setTssAddr(addr: number): void {
    ioctlInt(this.fd, io.KVM_SET_TSS_ADDR, addr, 'KVM_SET_TSS_ADDR');
  }

  /** KVM_SET_IDENTITY_MAP_ADDR: one page for the EPT identity map on Intel. */
  setIdentityMapAddr(addr: number): void {
    ioctlPtr(this.fd, io.KVM_SET_IDENTITY_MAP_ADDR, new BigUint64Array([BigInt(addr)]), 'KVM_SET_IDENTITY_MAP_ADDR');
  }

  /** KVM_CREATE_IRQCHIP: in-kernel PIC, IO-APIC and local APICs. */
  createIrqchip(): void {
    ioctlInt(this.fd, io.KVM_CREATE_IRQCHIP, 0, 'KVM_CREATE_IRQCHIP');
  }

  /** KVM_CREATE_PIT2: the in-kernel i8254. */
  createPit2(flags: number): void {
    const bytes = encodeStruct(kvm_pit_config, { flags, pad: new Array(15).fill(0) });
    ioctlPtr(this.fd, io.KVM_CREATE_PIT2, bytes, 'KVM_CREATE_PIT2');
  }

  /** KVM_IRQ_LINE: sets a GSI's level; safe from any thread. */
  irqLine(irq: number, level: boolean): void {
    this.irqView.setUint32(0, irq, true);
    this.irqView.setUint32(4, level ? 1 : 0, true);
    ioctlPtr(this.fd, io.KVM_IRQ_LINE, this.irqLevel, 'KVM_IRQ_LINE');
  }

  /** KVM_CREATE_VCPU. */
  createVcpu(id: number): VcpuFd {
    return new VcpuFd(ioctlInt(this.fd, io.KVM_CREATE_VCPU, id, 'KVM_CREATE_VCPU'), id);
  }

  close(): void {
    close(this.fd);
  }
}
