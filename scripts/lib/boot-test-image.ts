// A tiny root image for boot tests: static busybox and an /init that reports, on the console,
// the guest's uptime when userspace starts, what / is mounted from and with which options, then
// writes a file (the host's image must not change: the pmem mapping is private) and reboots.
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';

export const BUSYBOX = '/bin/busybox';
/** Printed by the guest's init, followed by `uptime=SECONDS`. */
export const USERSPACE_MARKER = 'CC-USERSPACE-UP';

const INIT = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc 2>/dev/null
/bin/busybox mount -t sysfs sys /sys 2>/dev/null
read up idle < /proc/uptime
echo "${USERSPACE_MARKER} uptime=$up"
echo "CC-ROOT-MOUNT $(/bin/busybox grep ' / ' /proc/mounts | /bin/busybox grep -v rootfs)"
echo "CC-ROOT-DEV $(/bin/busybox stat -c %d /) PMEM0-DEV $(/bin/busybox cat /sys/block/pmem0/dev 2>/dev/null)"
echo "CC-KERNEL $(/bin/busybox uname -r)"
echo written-by-guest > /guest-was-here && /bin/busybox sync
echo CC-INIT-DONE
/bin/busybox reboot -f
`;

/** Makes IMG (ext4, `sizeMiB` MiB, a multiple of 2) in a new temp folder; returns its path. */
export async function makeBootTestImage(sizeMiB = 64): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cc-bootimg-'));
  const root = join(dir, 'root');
  for (const d of ['bin', 'dev', 'proc', 'sys', 'tmp', 'sbin', 'run']) await mkdir(join(root, d), { recursive: true });
  await copyFile(BUSYBOX, join(root, 'bin/busybox'));
  await chmod(join(root, 'bin/busybox'), 0o755);
  await symlink('busybox', join(root, 'bin/sh'));
  await writeFile(join(root, 'init'), INIT, { mode: 0o755 });
  await symlink('/init', join(root, 'sbin/init'));
  const image = join(dir, 'root.ext4');
  // No journal: the image is read-mostly and the guest's writes are private anyway.
  await $`mke2fs -q -t ext4 -O ^has_journal -b 4096 -d ${root} ${image} ${sizeMiB}M`;
  await rm(root, { recursive: true, force: true });
  return image;
}
