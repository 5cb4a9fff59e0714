// Why a VM stopped, and what cc-run's exit status is then. Documented in README.md.

export const STOP_REASONS = [
  'none',
  /** The guest wrote a status to the debug-exit port. */
  'exit-port',
  /** The guest reset the machine: i8042 reset (reboot -f, reboot=k), or a KVM reset event. */
  'reboot',
  /** KVM reported a power-off system event. */
  'poweroff',
  /** KVM_EXIT_SHUTDOWN: a triple fault. */
  'triple-fault',
  /** A guest crash event, an emulation failure or a failed VM entry. */
  'crash',
  /** --timeout elapsed. */
  'timeout',
  /** Ctrl-C or SIGINT/SIGTERM on the host. */
  'interrupted',
  /** A vCPU thread failed in the VMM. */
  'vmm-error',
] as const;
export type StopReason = (typeof STOP_REASONS)[number];

export const EXIT_STATUS = {
  /** The VMM could not start or failed (bad input, KVM error). */
  VMM_ERROR: 1,
  TIMEOUT: 124,
  /** The guest kernel panicked (seen on the console) and rebooted or crashed. */
  GUEST_PANIC: 125,
  /** Triple fault or other guest crash without a panic message. */
  GUEST_CRASH: 126,
  INTERRUPTED: 130,
} as const;

export interface StopInfo {
  reason: StopReason;
  /** The status the guest wrote (exit-port only). */
  guestStatus?: number;
  /** The console showed "Kernel panic". */
  panicked: boolean;
}

/** The exit status cc-run ends with. */
export function exitStatusFor(stop: StopInfo): number {
  switch (stop.reason) {
    case 'exit-port':
      return stop.guestStatus ?? 0;
    case 'reboot':
    case 'poweroff':
      return stop.panicked ? EXIT_STATUS.GUEST_PANIC : 0;
    case 'triple-fault':
    case 'crash':
      return stop.panicked ? EXIT_STATUS.GUEST_PANIC : EXIT_STATUS.GUEST_CRASH;
    case 'timeout':
      return EXIT_STATUS.TIMEOUT;
    case 'interrupted':
      return EXIT_STATUS.INTERRUPTED;
    case 'vmm-error':
    case 'none':
      return EXIT_STATUS.VMM_ERROR;
  }
}
