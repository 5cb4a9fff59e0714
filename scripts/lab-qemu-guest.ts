// The QEMU command line the benchmark compares cc-run against: boot an uncompressed vmlinux (its
// PVH entry note) with an ext4 image as the root. Verified inside the nested-KVM lab with the
// reference guest kernel (../shared/reference/guest-6.1-measured.config):
//   pmem:       -M q35 + virtio-pmem-pci over a memory-backend-file with share=off: root on
//               /dev/pmem0 mounted dax=always, the image file unchanged after guest writes.
//   virtio-blk: -M microvm + virtio-blk-device (virtio-mmio) with snapshot=on.
// `-M microvm,pcie=on` with virtio-pmem-pci does not work with that kernel (the kernel finds no
// PCI config space access on microvm's ECAM: "PCI: Fatal: No config space access function
// found", so there is no /dev/pmem0), hence q35 for pmem.
import { statSync } from 'node:fs';

export type QemuGuestRoot = 'pmem' | 'virtio-blk';

export interface QemuGuestOptions {
  vmlinux: string;
  image: string;
  /** Where the root lives (default pmem, as cc-run does). */
  root?: QemuGuestRoot;
  /** Appended to the base command line (e.g. `init=/init quiet`). */
  cmdline?: string;
  memoryMiB?: number;
  cpus?: number;
  /** `kvm` (default) needs /dev/kvm: run it on a KVM host or through runInLab. */
  accel?: 'kvm' | 'tcg';
}

export interface QemuGuestCommand {
  command: string;
  args: string[];
  /** The full kernel command line passed with -append. */
  cmdline: string;
}

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;
/** QEMU option values escape a comma by doubling it. */
const optValue = (s: string): string => s.replace(/,/g, ',,');

/** The kernel command line that the root kind needs (console on ttyS0, as cc-run's default). */
export function baseCmdline(root: QemuGuestRoot): string {
  return root === 'pmem'
    ? 'console=ttyS0 root=/dev/pmem0 rootfstype=ext4 rootflags=dax=always rw panic=-1'
    : 'console=ttyS0 root=/dev/vda rootfstype=ext4 rw panic=-1';
}

/** Builds the argv of `qemu-system-x86_64` that boots `vmlinux` with `image` as its root. */
export function qemuGuestArgv(opts: QemuGuestOptions): QemuGuestCommand {
  const root = opts.root ?? 'pmem';
  const memoryMiB = opts.memoryMiB ?? 256;
  const cmdline = [baseCmdline(root), opts.cmdline].filter(Boolean).join(' ');
  const common = [
    '-accel', opts.accel ?? 'kvm', '-cpu', opts.accel === 'tcg' ? 'max' : 'host', '-smp', String(opts.cpus ?? 1),
    '-nodefaults', '-no-user-config', '-display', 'none', '-serial', 'stdio', '-no-reboot',
    '-kernel', opts.vmlinux, '-append', cmdline,
  ];
  if (root === 'virtio-blk') {
    return {
      command: 'qemu-system-x86_64',
      cmdline,
      args: ['-M', 'microvm', '-m', `${memoryMiB}M`, ...common,
        '-drive', `id=root,file=${optValue(opts.image)},format=raw,if=none,snapshot=on`, '-device', 'virtio-blk-device,drive=root'],
    };
  }
  // The pmem region is the whole file (a larger size would make QEMU grow it); it sits in the
  // device-memory area, which maxmem must leave room for.
  const size = statSync(opts.image).size;
  const maxmem = memoryMiB * MIB + alignUp(size, GIB) + GIB;
  return {
    command: 'qemu-system-x86_64',
    cmdline,
    args: ['-M', 'q35', '-m', `${memoryMiB}M,slots=1,maxmem=${maxmem / MIB}M`, ...common,
      '-object', `memory-backend-file,id=pm0,mem-path=${optValue(opts.image)},size=${size},share=off`,
      '-device', 'virtio-pmem-pci,memdev=pm0,id=pmem0'],
  };
}

/** The same command as one shell-quoted line, for runInLab and for humans. */
export function qemuGuestShellLine(cmd: QemuGuestCommand): string {
  const q = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return [cmd.command, ...cmd.args].map(q).join(' ');
}
