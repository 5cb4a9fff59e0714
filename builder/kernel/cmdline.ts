// The kernel command line a tuned guest boots with under cc-run, stored in the build metadata.
// cc-run appends its own device entries (virtio_mmio.device=…).

export const DEFAULT_CMDLINE: readonly string[] = [
  // The one UART cc-run emulates; the kernel's log and the boot console.
  'console=ttyS0',
  // Only COM1: no probing of COM2-COM4 (the config already says so; this keeps stock kernels quiet too).
  '8250.nr_uarts=1',
  // Every console write is a VM exit per character: print only errors.
  'quiet',
  // The IO-APIC timer check waits for ticks; the timer of a KVM guest works.
  'no_timer_check',
  // Use PCI type-1 config ports without the host-bridge sanity check. Not `pci=off`: x86 registers
  // e820 type-12 (legacy pmem) ranges only from pcibios_init() → e820__reserve_resources_late(), so
  // without working PCI config access /dev/pmem0 never appears. A monitor without PCI devices must
  // still latch writes to port 0xcf8 and read 0xcfc as all ones (an empty bus).
  'pci=conf1',
  // Reboot through the i8042 reset line, the one device cc-run offers for it.
  'reboot=k',
  // A panic ends the VM at once instead of hanging it.
  'panic=-1',
  // The image: the first pmem region, ext4, file pages mapped from it (DAX).
  'root=/dev/pmem0',
  'rootfstype=ext4',
  'rootflags=dax=always',
  'rw',
];

export function defaultCmdline(): string {
  return DEFAULT_CMDLINE.join(' ');
}
