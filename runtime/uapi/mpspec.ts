// arch/x86/include/asm/mpspec_def.h (Linux 6.1): the Intel MultiProcessor Specification 1.4 tables
// that tell an ACPI-less guest its CPUs, IO-APIC and interrupt wiring. Data only.
import koffi from 'koffi';

export const MPF_SIGNATURE = '_MP_';
export const MPC_SIGNATURE = 'PCMP';
export const MPC_SPEC_1_4 = 4;

export const mpf_intel = koffi.struct('mpf_intel', {
  signature: koffi.array('uint8_t', 4),
  physptr: 'uint32_t',
  length: 'uint8_t',
  specification: 'uint8_t',
  checksum: 'uint8_t',
  feature1: 'uint8_t',
  feature2: 'uint8_t',
  feature3: 'uint8_t',
  feature4: 'uint8_t',
  feature5: 'uint8_t',
});

export const mpc_table = koffi.struct('mpc_table', {
  signature: koffi.array('uint8_t', 4),
  length: 'uint16_t',
  spec: 'uint8_t',
  checksum: 'uint8_t',
  oem: koffi.array('uint8_t', 8),
  productid: koffi.array('uint8_t', 12),
  oemptr: 'uint32_t',
  oemsize: 'uint16_t',
  oemcount: 'uint16_t',
  lapic: 'uint32_t',
  reserved: 'uint32_t',
});

export const MP_PROCESSOR = 0;
export const MP_BUS = 1;
export const MP_IOAPIC = 2;
export const MP_INTSRC = 3;
export const MP_LINTSRC = 4;

export const CPU_ENABLED = 1;
export const CPU_BOOTPROCESSOR = 2;
export const MPC_APIC_USABLE = 0x01;
export const MP_IRQPOL_DEFAULT = 0x0;

/** enum mp_irq_source_types */
export const mp_INT = 0;
export const mp_NMI = 1;
export const mp_ExtINT = 3;

export const mpc_cpu = koffi.struct('mpc_cpu', {
  type: 'uint8_t',
  apicid: 'uint8_t',
  apicver: 'uint8_t',
  cpuflag: 'uint8_t',
  cpufeature: 'uint32_t',
  featureflag: 'uint32_t',
  reserved: koffi.array('uint32_t', 2),
});

export const mpc_bus = koffi.struct('mpc_bus', {
  type: 'uint8_t',
  busid: 'uint8_t',
  bustype: koffi.array('uint8_t', 6),
});

export const mpc_ioapic = koffi.struct('mpc_ioapic', {
  type: 'uint8_t',
  apicid: 'uint8_t',
  apicver: 'uint8_t',
  flags: 'uint8_t',
  apicaddr: 'uint32_t',
});

export const mpc_intsrc = koffi.struct('mpc_intsrc', {
  type: 'uint8_t',
  irqtype: 'uint8_t',
  irqflag: 'uint16_t',
  srcbus: 'uint8_t',
  srcbusirq: 'uint8_t',
  dstapic: 'uint8_t',
  dstirq: 'uint8_t',
});

export const mpc_lintsrc = koffi.struct('mpc_lintsrc', {
  type: 'uint8_t',
  irqtype: 'uint8_t',
  irqflag: 'uint16_t',
  srcbusid: 'uint8_t',
  srcbusirq: 'uint8_t',
  destapic: 'uint8_t',
  destapiclint: 'uint8_t',
});

/** Sizes fixed by the spec; the header is kernel-internal, so the test checks these numbers. */
export const MPSPEC_SIZES = {
  mpf_intel: 16, mpc_table: 44, mpc_cpu: 20, mpc_bus: 8, mpc_ioapic: 8, mpc_intsrc: 8, mpc_lintsrc: 8,
} as const;
