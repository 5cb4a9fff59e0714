// Step: tune the guest for a VM that boots from a private copy of a read-mostly image, on
// devices cc-run emulates (one serial port, pmem, virtio), with no hardware to probe and no
// state worth keeping across boots. Each change says why; units the recipe enables are left alone.
import type { RootView } from '../overlay/root-view.js';
import type { BuildContext } from './context.js';
import { findUnit, hasSystemd, mask } from './systemd.js';

/** Units masked in the guest, each with the reason a VM does not need it. */
export const MASKED_UNITS: Readonly<Record<string, string>> = {
  // No modules in the tuned kernel, no hardware to wait for.
  'systemd-modules-load.service': 'the kernel has no modules',
  'kmod-static-nodes.service': 'the kernel has no modules',
  'modprobe@.service': 'the kernel has no modules (and the image no modprobe)',
  'systemd-udev-settle.service': 'waits for every device to be probed; there is nothing to probe',
  'systemd-hwdb-update.service': 'rebuilds the hardware database the image leaves out',
  'systemd-pstore.service': 'no persistent crash storage',
  'sys-kernel-debug.mount': 'debugfs: not in the kernel',
  'sys-kernel-tracing.mount': 'tracefs: not in the kernel',
  'sys-kernel-config.mount': 'configfs: not in the kernel',
  'sys-fs-fuse-connections.mount': 'no FUSE',
  'dev-hugepages.mount': 'no hugetlbfs',
  'proc-sys-fs-binfmt_misc.automount': 'no foreign binaries',
  'systemd-binfmt.service': 'no foreign binaries',
  // Root comes mounted read-write from the command line; there is no fstab and nothing to check.
  'systemd-remount-fs.service': 'root is mounted rw by the kernel (no fstab)',
  'systemd-fsck-root.service': 'the image is checked when built',
  // First-boot and update jobs: every boot is a first boot of the same image.
  'systemd-firstboot.service': 'the image is configured when built',
  'systemd-machine-id-commit.service': 'the machine id stays transient',
  'systemd-random-seed.service': 'a seed saved into a private copy is lost anyway',
  'ldconfig.service': 'the linker cache is built with the image (ConditionNeedsUpdate)',
  'systemd-sysusers.service': 'accounts are made when the image is built (ConditionNeedsUpdate)',
  'systemd-journal-catalog-update.service': 'no catalog rebuild at boot (ConditionNeedsUpdate)',
  'systemd-update-done.service': 'nothing to mark updated (ConditionNeedsUpdate)',
  // Terminals that are not there: the login is serial-getty@ttyS0, started from console=ttyS0.
  'getty@.service': 'no virtual terminals',
  'getty-static.service': 'starts getty@tty2-6 when logind is absent; no virtual terminals',
  'systemd-ask-password-console.path': 'no passwords to ask (no encrypted disks)',
  'systemd-ask-password-wall.path': 'no passwords to ask (no encrypted disks)',
  // Periodic maintenance of a machine that lives for one run.
  'apt-daily.timer': 'periodic maintenance',
  'apt-daily-upgrade.timer': 'periodic maintenance',
  'dpkg-db-backup.timer': 'periodic maintenance',
  'e2scrub_all.timer': 'periodic maintenance',
  'e2scrub_reap.service': 'periodic maintenance',
  'fstrim.timer': 'periodic maintenance',
  'man-db.timer': 'periodic maintenance',
  'logrotate.timer': 'periodic maintenance',
  'systemd-tmpfiles-clean.timer': 'periodic maintenance',
};

export const JOURNALD_DROPIN = '/etc/systemd/journald.conf.d/cc-guest.conf';

export function hasUdev(root: RootView): boolean {
  return root.exists('/usr/lib/systemd/systemd-udevd') || root.exists('/lib/systemd/systemd-udevd');
}

/**
 * Without udev no device unit ever becomes active, and serial-getty@.service binds to its tty's
 * device unit: the login would wait 90 s and fail. The consoles cc-run offers exist from the first
 * instant (devtmpfs), so the template is overridden by a copy without the device dependency.
 */
export function serialGettyWithoutDevice(root: RootView): void {
  const template = findUnit(root, 'serial-getty@.service');
  const text = template && root.read(template);
  if (!text) return;
  const lines = text
    .split('\n')
    .filter((line) => !/^BindsTo=dev-%i\.device\s*$/.test(line))
    .map((line) => (line.startsWith('After=') ? line.replace(/dev-%i\.device\s*/, '') : line));
  root.writeFile('/etc/systemd/system/serial-getty@.service', `# cc-build guest tuning: ${template} without BindsTo=dev-%i.device (no udev)\n${lines.join('\n')}`);
}

export async function guestTuning(ctx: BuildContext): Promise<void> {
  const { root, recipe } = ctx;
  if (!recipe.tuning.enabled || !hasSystemd(root)) return;

  // An empty machine-id: systemd makes a transient one per boot, so copies of one image differ.
  root.writeFile('/etc/machine-id', '', { mode: 0o444 });
  if (root.exists('/var/lib/dbus/machine-id')) root.remove('/var/lib/dbus/machine-id');
  // Root, its type and its flags come from the kernel command line.
  if (root.exists('/etc/fstab')) root.remove('/etc/fstab');
  // The recipe's name, unless the recipe writes /etc/hostname itself.
  if (!recipe.files.some((f) => f.path === '/etc/hostname')) root.writeFile('/etc/hostname', `${recipe.name}\n`);

  const wanted = new Set(recipe.systemd.enable);
  for (const unit of Object.keys(MASKED_UNITS)) {
    if (!wanted.has(unit) && findUnit(root, unit)) mask(root, unit);
  }
  if (!hasUdev(root)) serialGettyWithoutDevice(root);
  // The journal is volatile all the same: the root is the VM's private copy of the image (cc-run maps
  // it MAP_PRIVATE), so nothing reaches the image file. Kept on the DAX root rather than in /run it
  // costs the guest no RAM: a /run journal is a tmpfs file of at least 512 KiB.
  if (!root.exists('/etc/systemd/journald.conf.d')) root.mkdir('/etc/systemd/journald.conf.d');
  root.writeFile(JOURNALD_DROPIN, `# cc-build guest tuning: the journal on the root (the VM's private copy), small.\n[Journal]\nStorage=persistent\nSystemMaxUse=${recipe.tuning.journalSize}\n`);
}
