// The /init of the lab's L1 guest (busybox sh). It loads the modules, checks /dev/kvm, builds a
// writable root (overlay: tmpfs over the read-only 9p share of the host's /), mounts the control
// share at the same path as on the host, runs the command there and writes its exit status,
// then powers off. Failures print one `CC-LAB-FAIL:` line on the console, which the host reports.

/** Console markers the host watches for. */
export const MARK_FAIL = 'CC-LAB-FAIL:';
export const MARK_READY = 'CC-LAB-READY';

/** Control files, relative to the control share (host-side names). */
export const CTL = {
  /** Sourced by init: CTL_DIR=, SCRATCH_DIR= (paths as on the host). */
  env: 'lab.env',
  /** The command wrapper, run by the host's /bin/sh inside the chroot. */
  run: 'run.sh',
  stdout: 'stdout',
  stderr: 'stderr',
  status: 'status',
} as const;

export const L1_INIT = `#!/bin/sh
export PATH=/bin
fail() { echo "${MARK_FAIL} $*"; poweroff -f; sleep 5; }
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r m; do
  err=$(insmod "/lib/modules/$m" 2>&1) || fail "insmod $m: $err"
done < /lib/modules/order
[ -c /dev/kvm ] || fail "kvm_amd loaded but there is no /dev/kvm (dmesg: $(dmesg | grep -i -E 'kvm|svm' | tail -n 1))"
o9p=trans=virtio,version=9p2000.L,msize=262144
mount -t 9p -o $o9p,ro,cache=loose host /lower || fail "cannot mount the host root (9p tag host)"
mount -t 9p -o $o9p,cache=none ctl /ctl || fail "cannot mount the control share (9p tag ctl)"
. /ctl/${CTL.env}
mount -t tmpfs -o mode=0755 rw /rw && mkdir /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work root /root || fail "cannot mount the overlay root"
mount -o rbind /dev /root/dev
mount -t devpts -o newinstance,ptmxmode=0666 devpts /root/dev/pts 2>/dev/null
mount -t tmpfs shm /root/dev/shm 2>/dev/null
mount -t proc proc /root/proc
mount -t sysfs sys /root/sys
mkdir -p "/root$CTL_DIR" && mount -o bind /ctl "/root$CTL_DIR" || fail "cannot bind the control share at $CTL_DIR"
if [ -n "$SCRATCH_DIR" ]; then
  mkdir -p "/root$SCRATCH_DIR" && mount -t 9p -o $o9p,cache=none scratch "/root$SCRATCH_DIR" || fail "cannot mount the scratch share at $SCRATCH_DIR"
fi
ip link set lo up
hostname cc-lab
echo ${MARK_READY}
chroot /root /bin/sh "$CTL_DIR/${CTL.run}" > /ctl/${CTL.stdout} 2> /ctl/${CTL.stderr} < /dev/null
echo $? > /ctl/${CTL.status}.tmp && mv /ctl/${CTL.status}.tmp /ctl/${CTL.status}
poweroff -f
`;
