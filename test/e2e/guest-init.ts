// The /init of the boot tests' busybox guest. `cc.test=reboot` on the kernel command line makes
// it reboot, `cc.test=shell` runs a shell on the console, `cc.test=sleep` waits; otherwise it prints the marker, the root mount and the CPU count, writes to the root and exits 7
// through the debug-exit port (0x501, runtime/devices/legacy/debug-exit.ts).
export const MARKER = 'CC-E2E-MARKER userspace up';

export const GUEST_INIT = `#!/bin/busybox sh
export PATH=/bin
/bin/busybox mount -t proc proc /proc
echo "${MARKER}"
case "$(/bin/busybox cat /proc/cmdline)" in
*cc.test=reboot*) /bin/busybox reboot -f ;;
*cc.test=shell*) echo "SHELL-READY"; exec /bin/busybox sh ;;
*cc.test=sleep*) echo "SLEEP-READY"; exec /bin/busybox sleep 100000 ;;
esac
/bin/busybox grep " / " /proc/mounts | /bin/busybox sed 's/^/ROOT-MOUNT: /'
echo "CPUS: $(/bin/busybox grep -c ^processor /proc/cpuinfo)"
echo "guest was here" > /written-by-guest && /bin/busybox sync && echo "ROOT-WRITE: ok"
printf '\\007' | /bin/busybox dd of=/dev/port bs=1 seek=1281 count=1 2>/dev/null
echo "ERROR: still running after the exit port"
`;
