// The kernel command line a guest boots with under cc-run: cc-build writes it into each build
// manifest (with the recipe's extras), and cc-run falls back to it for an image without one. It is
// not compiled into the kernel, so changing it never rebuilds one. cc-run adds what only it knows
// (acpi=off: it offers no ACPI tables).

export const GUEST_CMDLINE: readonly string[] = [
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
  // No kernel-memory accounting in cgroups. With it on, every percpu chunk carries an obj_cgroup
  // pointer per 4-byte slot: a zeroed vmalloc array of 4 MiB on a 1-vCPU guest (2 MiB unit / 4 × 8),
  // a fifth of a minimal systemd guest's memory. Measured (QEMU TCG, 128 MiB, minimal.yaml): 19.0 →
  // 14.8 MiB in use after boot. The VM is the memory boundary; the guest's own cgroups still account
  // user memory.
  'cgroup.memory=nokmem',
];

export function guestCmdline(): string {
  return GUEST_CMDLINE.join(' ');
}
