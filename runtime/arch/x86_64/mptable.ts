// An MP table (Intel MultiProcessor Specification 1.4) at the end of base memory: without ACPI it
// is how the guest finds its CPUs, the IO-APIC and the ISA interrupt wiring.
import type { GuestMemory } from '../../memory/guest-memory.js';
import { encodeStruct, sizeOf } from '../../uapi/codec.js';
import {
  CPU_BOOTPROCESSOR, CPU_ENABLED, MP_BUS, MP_INTSRC, MP_IOAPIC, MP_IRQPOL_DEFAULT, MP_LINTSRC, MP_PROCESSOR,
  MPC_APIC_USABLE, MPC_SIGNATURE, MPC_SPEC_1_4, MPF_SIGNATURE, mp_ExtINT, mp_INT, mp_NMI, mpc_bus, mpc_cpu,
  mpc_intsrc, mpc_ioapic, mpc_lintsrc, mpc_table, mpf_intel,
} from '../../uapi/mpspec.js';
import { APIC_START, IOAPIC_START } from './layout.js';

const APIC_VERSION = 0x14;
const IOAPIC_VERSION = 0x11;
/** Family 6 stepping, and FPU + APIC in the feature flags, as firmware reports them. */
const CPU_STEPPING = 0x600;
const CPU_FEATURE_APIC = 0x200;
const CPU_FEATURE_FPU = 0x001;
const BUS_ID_ISA = 0;
const ISA_IRQS = 16;
/** APIC ids are 8 bits and the IO-APIC takes the id after the last CPU. */
export const MPTABLE_MAX_CPUS = 254;

const ascii = (s: string, n: number) => Array.from({ length: n }, (_, i) => (i < s.length ? s.charCodeAt(i) : 0x20));
const checksum = (bytes: Uint8Array) => (256 - (bytes.reduce((a, b) => a + b, 0) & 0xff)) & 0xff;

/** The MP floating pointer and table for `cpus` vCPUs, as bytes to place at `addr`. */
export function buildMptable(addr: number, cpus: number): Uint8Array {
  if (cpus < 1 || cpus > MPTABLE_MAX_CPUS) throw new RangeError(`MP table: ${cpus} CPUs (1..${MPTABLE_MAX_CPUS})`);
  const ioapicId = cpus;
  const entries: Uint8Array[] = [];
  for (let i = 0; i < cpus; i++) {
    entries.push(encodeStruct(mpc_cpu, {
      type: MP_PROCESSOR, apicid: i, apicver: APIC_VERSION,
      cpuflag: CPU_ENABLED | (i === 0 ? CPU_BOOTPROCESSOR : 0),
      cpufeature: CPU_STEPPING, featureflag: CPU_FEATURE_APIC | CPU_FEATURE_FPU, reserved: [0, 0],
    }));
  }
  entries.push(encodeStruct(mpc_bus, { type: MP_BUS, busid: BUS_ID_ISA, bustype: ascii('ISA', 6) }));
  entries.push(encodeStruct(mpc_ioapic, {
    type: MP_IOAPIC, apicid: ioapicId, apicver: IOAPIC_VERSION, flags: MPC_APIC_USABLE, apicaddr: IOAPIC_START,
  }));
  for (let irq = 0; irq < ISA_IRQS; irq++) {
    entries.push(encodeStruct(mpc_intsrc, {
      type: MP_INTSRC, irqtype: mp_INT, irqflag: MP_IRQPOL_DEFAULT, srcbus: BUS_ID_ISA, srcbusirq: irq,
      dstapic: ioapicId, dstirq: irq,
    }));
  }
  entries.push(encodeStruct(mpc_lintsrc, {
    type: MP_LINTSRC, irqtype: mp_ExtINT, irqflag: MP_IRQPOL_DEFAULT, srcbusid: BUS_ID_ISA, srcbusirq: 0,
    destapic: 0, destapiclint: 0,
  }));
  entries.push(encodeStruct(mpc_lintsrc, {
    type: MP_LINTSRC, irqtype: mp_NMI, irqflag: MP_IRQPOL_DEFAULT, srcbusid: BUS_ID_ISA, srcbusirq: 0,
    destapic: 0xff, destapiclint: 1,
  }));

  const mpfSize = sizeOf(mpf_intel);
  const headerSize = sizeOf(mpc_table);
  const tableSize = headerSize + entries.reduce((n, e) => n + e.length, 0);
  const out = new Uint8Array(mpfSize + tableSize);
  const table = out.subarray(mpfSize);
  let at = headerSize;
  for (const e of entries) {
    table.set(e, at);
    at += e.length;
  }
  table.set(encodeStruct(mpc_table, {
    signature: ascii(MPC_SIGNATURE, 4), length: tableSize, spec: MPC_SPEC_1_4, checksum: 0,
    oem: ascii('CC-RUN', 8), productid: ascii('000000000000', 12), oemptr: 0, oemsize: 0,
    oemcount: entries.length, lapic: APIC_START, reserved: 0,
  }));
  table[7] = checksum(table);
  out.set(encodeStruct(mpf_intel, {
    signature: ascii(MPF_SIGNATURE, 4), physptr: addr + mpfSize, length: 1, specification: MPC_SPEC_1_4,
    checksum: 0, feature1: 0, feature2: 0, feature3: 0, feature4: 0, feature5: 0,
  }));
  out[10] = checksum(out.subarray(0, mpfSize));
  return out;
}

/** Writes the MP table for `cpus` vCPUs at `addr`. */
export function writeMptable(mem: GuestMemory, addr: number, cpus: number): void {
  mem.write(addr, buildMptable(addr, cpus));
}
