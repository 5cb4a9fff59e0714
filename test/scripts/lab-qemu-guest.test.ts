import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { qemuGuestArgv, qemuGuestShellLine } from '../../scripts/lab-qemu-guest.js';

const dir = mkdtempSync(join(tmpdir(), 'cc,qemu-guest-'));
const image = join(dir, 'root.ext4');
writeFileSync(image, Buffer.alloc(3 * 1024 * 1024));

test('pmem: q35, virtio-pmem-pci over the whole file, private mapping, dax root', () => {
  const cmd = qemuGuestArgv({ vmlinux: '/k/vmlinux', image, cmdline: 'init=/init' });
  const args = cmd.args.join(' ');
  assert.match(args, '-M q35 -m 256M,slots=1,maxmem=2304M');
  assert.match(args, `memory-backend-file,id=pm0,mem-path=${image.replace(/,/g, ',,')},size=${statSync(image).size},share=off`);
  assert.match(args, '-device virtio-pmem-pci,memdev=pm0');
  assert.is(cmd.cmdline, 'console=ttyS0 root=/dev/pmem0 rootfstype=ext4 rootflags=dax=always rw panic=-1 init=/init');
  assert.match(args, '-accel kvm -cpu host');
});

test('virtio-blk: microvm with a snapshot drive', () => {
  const cmd = qemuGuestArgv({ vmlinux: '/k/vmlinux', image, root: 'virtio-blk', memoryMiB: 512, cpus: 2 });
  assert.match(cmd.args.join(' '), '-M microvm -m 512M');
  assert.match(cmd.args.join(' '), '-smp 2');
  assert.match(cmd.args.join(' '), 'snapshot=on -device virtio-blk-device,drive=root');
  assert.match(cmd.cmdline, 'root=/dev/vda');
});

test('the shell line quotes what needs it', () => {
  const line = qemuGuestShellLine({ command: 'qemu-system-x86_64', args: ['-append', "a b 'c'"], cmdline: '' });
  assert.is(line, `qemu-system-x86_64 -append 'a b '\\''c'\\'''`);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
