// The kernel command line a tuned guest boots with under cc-run, stored in the build metadata.
// cc-run appends its own device entries (virtio_mmio.device=…); QEMU tests swap pci=off for PCI.

export const DEFAULT_CMDLINE: readonly string[] = [
  // The one UART cc-run emulates; the kernel's log and the boot console.
  'console=ttyS0',
  // Only COM1: no probing of COM2-COM4 (the config already says so; this keeps stock kernels quiet too).
  '8250.nr_uarts=1',
  // Every console write is a VM exit per character: print only errors.
  'quiet',
  // The IO-APIC timer check waits for ticks; the timer of a KVM guest works.
  'no_timer_check',
  // cc-run offers no PCI bus: do not probe the configuration ports.
  'pci=off',
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
