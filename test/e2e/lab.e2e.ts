// The nested-KVM lab gives a working /dev/kvm: a C program and node (koffi) drive it, and QEMU
// with -accel kvm boots the reference guest kernel with a pmem root. Where the host has KVM the
// same commands run directly.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runInLab, type LabResult } from '../../scripts/kvm-lab.js';
import { makeBusyboxExt4 } from '../../scripts/fixtures/busybox-ext4.js';
import { qemuGuestArgv, qemuGuestShellLine } from '../../scripts/lab-qemu-guest.js';
import { scratchDir } from '../helpers/scratch.js';
import { guestKernel } from '../../scripts/lib/guest-kernel.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const work = scratchDir('lab-e2e');
const sh = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function expectOk(r: LabResult): void {
  assert.is(r.exitCode, 0, `exit ${r.exitCode}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\nconsole:\n${r.consoleLog.slice(-2000)}`);
}

// Real mode at 0x1000: write 'K' to port 0x3f8, then hlt. The program checks both exits.
const KVM_C = String.raw`
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#define CHECK(x, what) do { if ((x) < 0) { perror(what); return 10; } } while (0)
int main(void) {
  int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC); CHECK(kvm, "open /dev/kvm");
  if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) { fputs("KVM_GET_API_VERSION\n", stderr); return 11; }
  int vm = ioctl(kvm, KVM_CREATE_VM, 0); CHECK(vm, "KVM_CREATE_VM");
  static const unsigned char code[] = { 0xba, 0xf8, 0x03, 0xb0, 'K', 0xee, 0xf4 }; /* mov dx,0x3f8; mov al,'K'; out dx,al; hlt */
  unsigned char *mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) { perror("mmap"); return 12; }
  memcpy(mem, code, sizeof code);
  struct kvm_userspace_memory_region region = { .slot = 0, .guest_phys_addr = 0x1000, .memory_size = 0x1000, .userspace_addr = (unsigned long)mem };
  CHECK(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region), "KVM_SET_USER_MEMORY_REGION");
  int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0); CHECK(vcpu, "KVM_CREATE_VCPU");
  int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0); CHECK(size, "KVM_GET_VCPU_MMAP_SIZE");
  struct kvm_run *run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
  if (run == MAP_FAILED) { perror("mmap kvm_run"); return 12; }
  struct kvm_sregs sregs; CHECK(ioctl(vcpu, KVM_GET_SREGS, &sregs), "KVM_GET_SREGS");
  sregs.cs.base = 0; sregs.cs.selector = 0; CHECK(ioctl(vcpu, KVM_SET_SREGS, &sregs), "KVM_SET_SREGS");
  struct kvm_regs regs = { .rip = 0x1000, .rflags = 2 }; CHECK(ioctl(vcpu, KVM_SET_REGS, &regs), "KVM_SET_REGS");
  for (int outs = 0;;) {
    CHECK(ioctl(vcpu, KVM_RUN, 0), "KVM_RUN");
    if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT && run->io.port == 0x3f8 && run->io.size == 1) {
      printf("out 0x%x '%c'\n", run->io.port, *((char *)run + run->io.data_offset)); outs++;
    } else if (run->exit_reason == KVM_EXIT_HLT) {
      printf("hlt after %d out\n", outs); return outs == 1 ? 0 : 14;
    } else {
      fprintf(stderr, "unexpected exit %d\n", run->exit_reason); return 15;
    }
  }
}
`;

const KOFFI_JS = `
const koffi = require('koffi');
const libc = koffi.load('libc.so.6');
const open = libc.func('int open(const char *path, int flags)');
const ioctl = libc.func('int ioctl(int fd, unsigned long request, unsigned long arg)');
const kvm = open('/dev/kvm', 2 /* O_RDWR */);
const api = ioctl(kvm, 0xae00, 0); // KVM_GET_API_VERSION
const vm = ioctl(kvm, 0xae01, 0); // KVM_CREATE_VM
console.log(JSON.stringify({ kvm, api, vm }));
`;

test('a static C program creates a VM on /dev/kvm and sees its real-mode out and hlt exits', async () => {
  writeFileSync(join(work, 'kvm-out-hlt.c'), KVM_C);
  execFileSync('gcc', ['-static', '-O2', '-o', join(work, 'kvm-out-hlt'), join(work, 'kvm-out-hlt.c')]);
  const r = await runInLab({ command: join(work, 'kvm-out-hlt'), timeoutS: 300 });
  expectOk(r);
  assert.is(r.stdout, "out 0x3f8 'K'\nhlt after 1 out\n");
  console.log(`  lab round trip (${r.mode}) of the C program: ${r.wallS.toFixed(1)} s wall`);
});

test('node loads koffi from the repo and creates a VM; node start-up time inside', async () => {
  const time = 's=$(date +%s%N); node -e 0; e=$(date +%s%N); echo "node-e-0-ms $(( (e - s) / 1000000 ))"';
  const r = await runInLab({ command: `node -e ${sh(KOFFI_JS)} && ${time} && ${time}`, cwd: repoRoot, timeoutS: 300 });
  expectOk(r);
  const [json, ...times] = r.stdout.trim().split('\n');
  const { kvm, api, vm } = JSON.parse(json!) as { kvm: number; api: number; vm: number };
  assert.ok(kvm >= 0 && vm >= 0, r.stdout);
  assert.is(api, 12);
  console.log(`  node -e 0 inside (${r.mode}), cold then warm: ${times.map((t) => t.split(' ')[1]).join(' ms, ')} ms; round trip ${r.wallS.toFixed(1)} s`);
});

test('the command gets the caller cwd, env and NO_COLOR; its exit status, stdout and stderr come back; only the scratch share is written through', async () => {
  const scratch = join(work, 'scratch');
  mkdirSync(scratch);
  const probe = join(work, 'untouched');
  const r = await runInLab({
    command: `pwd; echo "$GREETING $NO_COLOR"; echo oops >&2; echo kept > ${scratch}/out; echo lost > ${probe}; test -c /dev/kvm && exit 7`,
    cwd: work,
    env: { GREETING: "it's me" },
    scratchDir: scratch,
    timeoutS: 300,
  });
  assert.is(r.exitCode, 7, r.stderr + r.consoleLog.slice(-2000));
  assert.is(r.stdout, `${work}\nit's me 1\n`);
  assert.is(r.stderr, 'oops\n');
  assert.is(readFileSync(join(scratch, 'out'), 'utf8'), 'kept\n');
  if (r.mode === 'lab') assert.not.ok(existsSync(probe), 'a write outside the scratch share reached the host');
});

test('QEMU -accel kvm boots the guest vmlinux with an ext4 root on virtio-pmem (dax) and on virtio-blk', async () => {
  const vmlinux = await guestKernel();
  const image = makeBusyboxExt4({
    image: join(work, 'root.ext4'),
    init: [
      '/bin/busybox mount -t proc proc /proc',
      'echo written-by-guest > /written',
      'echo CC-GUEST-MARKER',
      "/bin/busybox grep ' / ' /proc/mounts",
      '/bin/busybox poweroff -f',
      '',
    ].join('\n'),
  });
  const sha = (): string => createHash('sha256').update(readFileSync(image)).digest('hex');
  const before = sha();
  const boot = (kind: 'pmem' | 'virtio-blk'): string =>
    `echo "== ${kind}"; timeout 240 ${qemuGuestShellLine(qemuGuestArgv({ vmlinux, image, root: kind, cmdline: 'init=/init quiet' }))}`;
  const r = await runInLab({ command: `${boot('pmem')} && ${boot('virtio-blk')}`, timeoutS: 540 });
  expectOk(r);
  const [pmem, blk] = r.stdout.split('== virtio-blk');
  assert.match(pmem!, 'CC-GUEST-MARKER');
  assert.match(pmem!, /\/dev\/root \/ ext4 rw,.*dax=always/);
  assert.match(blk!, 'CC-GUEST-MARKER');
  assert.match(blk!, /\/dev\/root \/ ext4 rw/);
  assert.is(sha(), before, 'the image changed on the host');
  console.log(`  two QEMU guest boots inside (${r.mode}): ${r.wallS.toFixed(1)} s wall`);
});

test.run();
