// The vCPU state at the PVH entry (xen/include/public/arch-x86/hvm/start_info.h, "Entry state"):
// 32-bit protected mode, paging off, flat CS/DS/ES/SS, a TSS, %ebx = start info.
import type { VcpuFd } from '../../kvm/vcpu.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import { BOOT_GDT_START, BOOT_IDT_START } from './layout.js';
import { GDT_CODE, GDT_DATA, GDT_TSS, kvmSegmentFromGdt, PVH_GDT } from './gdt.js';

const X86_CR0_PE = 0x1;
const X86_EFLAGS_FIXED = 0x2;

/** Writes the boot GDT and an empty IDT into guest memory (once per VM). */
export function writeBootGdt(mem: GuestMemory): void {
  const gdt = new BigUint64Array(PVH_GDT);
  mem.write(BOOT_GDT_START, new Uint8Array(gdt.buffer));
  mem.write(BOOT_IDT_START, new Uint8Array(8));
}

/** Sets a vCPU's registers for the PVH entry at `entry` with %ebx = `startInfo`. */
export function setupPvhRegs(vcpu: VcpuFd, entry: number, startInfo: number): void {
  const sregs = vcpu.getSregs();
  const code = kvmSegmentFromGdt(PVH_GDT[GDT_CODE]!, GDT_CODE);
  const data = kvmSegmentFromGdt(PVH_GDT[GDT_DATA]!, GDT_DATA);
  sregs.cs = code;
  sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
  sregs.tr = kvmSegmentFromGdt(PVH_GDT[GDT_TSS]!, GDT_TSS);
  sregs.gdt = { base: BOOT_GDT_START, limit: PVH_GDT.length * 8 - 1, padding: [0, 0, 0] };
  sregs.idt = { base: BOOT_IDT_START, limit: 7, padding: [0, 0, 0] };
  sregs.cr0 = X86_CR0_PE;
  sregs.cr3 = 0;
  sregs.cr4 = 0;
  sregs.efer = 0;
  vcpu.setSregs(sregs);
  vcpu.setRegs({
    rax: 0, rbx: startInfo, rcx: 0, rdx: 0, rsi: 0, rdi: 0, rsp: 0, rbp: 0,
    r8: 0, r9: 0, r10: 0, r11: 0, r12: 0, r13: 0, r14: 0, r15: 0,
    rip: entry, rflags: X86_EFLAGS_FIXED,
  });
}

// Local APIC register offsets and LVT delivery modes (arch/x86/include/asm/apicdef.h).
const APIC_LVT0 = 0x350;
const APIC_LVT1 = 0x360;
const APIC_MODE_NMI = 0x4;
const APIC_MODE_EXTINT = 0x7;

/** LINT0 to ExtINT (the PIC) and LINT1 to NMI, as a PC's firmware leaves them (KVM_GET/SET_LAPIC). */
export function setupLint(vcpu: VcpuFd): void {
  const regs = vcpu.getLapic();
  const v = new DataView(regs.buffer, regs.byteOffset, regs.byteLength);
  const setMode = (reg: number, mode: number) => v.setUint32(reg, (v.getUint32(reg, true) & ~0x700) | (mode << 8), true);
  setMode(APIC_LVT0, APIC_MODE_EXTINT);
  setMode(APIC_LVT1, APIC_MODE_NMI);
  vcpu.setLapic(regs);
}
