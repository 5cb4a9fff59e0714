// buildMicrovm: from a kernel, an image and a few numbers to a running VM, step by step.
import { closeSync, fstatSync, openSync, constants as fsc } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Kvm } from '../kvm/system.js';
import type { VcpuFd } from '../kvm/vcpu.js';
import type { VmFd } from '../kvm/vm.js';
import { readVmlinux } from '../loader/elf.js';
import { writePvhBootInfo } from '../loader/pvh.js';
import { Cmdline } from '../loader/cmdline.js';
import type { MmapMemory } from '../memory/mmap-memory.js';
import { SIGUSR2, tgkill } from '../sys/libc.js';
import { KVM_PIT_SPEAKER_DUMMY } from '../uapi/kvm.js';
import { vcpuCpuid } from '../arch/x86_64/cpuid.js';
import {
  CMDLINE_START, KVM_IDENTITY_MAP_ADDR, KVM_TSS_ADDR, MEMMAP_MAX_ENTRIES, MEMMAP_START, MPTABLE_START, PVH_INFO_START,
} from '../arch/x86_64/layout.js';
import { MPTABLE_MAX_CPUS, writeMptable } from '../arch/x86_64/mptable.js';
import { setupLint, setupPvhRegs, writeBootGdt } from '../arch/x86_64/regs.js';
import { ConsoleTap } from './console-tap.js';
import { createAppSerials, createSerial } from './device-manager.js';
import { ByteRing } from './byte-ring.js';
import { checkVcpuCount, openKvm } from './kvm-checks.js';
import { extraPmemSize, mapMemory, planMemory, type ExtraPmem, type MemoryPlan } from './memory-map.js';
import { MainVcpu } from './main-vcpu.js';
import { createSharedBuffers, SharedState, type ExitCounter } from './shared-state.js';
import type { StopInfo, StopReason } from './stop.js';
import type { VcpuWorkerData } from './vcpu-worker.js';
import type { Serial8250 } from '../devices/legacy/serial8250.js';

export interface MicrovmConfig {
  kernelPath: string;
  imagePath: string;
  cpus: number;
  /** Bytes of RAM. */
  memory: number;
  /** The full kernel command line. */
  cmdline: string;
  /** Receives the guest console output on the main thread. */
  onConsole?: (bytes: Uint8Array) => void;
  /** Receives warnings (a vmlinux segment that had to be copied). */
  onWarning?: (message: string) => void;
  /** Further pmem regions after the image, in order (/dev/pmem1, …): a file mapped privately, or bytes. */
  extraPmem?: ({ path: string } | { label: string; bytes: Uint8Array })[];
  /** App runs: two more UARTs, COM2 (ttyS1) for the app's stdout, COM3 (ttyS2) for its stderr. */
  appStreams?: { onStdout: (bytes: Uint8Array) => void; onStderr: (bytes: Uint8Array) => void };
  /**
   * Where vCPU 0 runs: on the main thread in slices (default: no Worker for a 1-vCPU VM), or in a
   * Worker like the others (CC_RUN_VCPU0=worker, for comparison in benchmarks).
   */
  vcpu0Thread?: 'main' | 'worker';
}

export interface MicrovmResult extends StopInfo {
  exits: Partial<Record<ExitCounter, number>>;
  /** ms from `t0` passed to start() to the first console byte and the first userspace line. */
  firstConsoleMs?: number;
  firstUserspaceMs?: number;
  consoleBytes: number;
  lastLines: string[];
  vcpuErrors: string[];
  /** Registers of the vCPU that crashed (triple fault, emulation failure). */
  vcpuStates: string[];
}

/** Builds a VM ready to start: the steps read top to bottom; a failing step undoes the earlier ones. */
export function buildMicrovm(config: MicrovmConfig): Microvm {
  const undo: (() => void)[] = [];
  try {
    const kernelFd = openSync(config.kernelPath, fsc.O_RDONLY);
    undo.push(() => closeSync(kernelFd));
    const kernel = readVmlinux(kernelFd, config.kernelPath);
    const imageFd = openSync(config.imagePath, fsc.O_RDONLY);
    undo.push(() => closeSync(imageFd));
    const imageSize = fstatSync(imageFd).size;
    const extra: ExtraPmem[] = (config.extraPmem ?? []).map((p) => {
      if ('bytes' in p) return p;
      const fd = openSync(p.path, fsc.O_RDONLY);
      undo.push(() => closeSync(fd));
      return { label: p.path, fd, size: fstatSync(fd).size };
    });
    const plan = planMemory(config.memory, kernel, imageSize, extra.map(extraPmemSize));
    plan.warnings.forEach((w) => config.onWarning?.(w));

    const kvm = openKvm();
    undo.push(() => kvm.close());
    checkVcpuCount(kvm, config.cpus, MPTABLE_MAX_CPUS);
    // vCPU threads now: they load their code while this thread maps memory and sets up the VM.
    const workers = config.vcpu0Thread === 'worker' ? config.cpus : config.cpus - 1;
    const threads = Array.from({ length: workers }, () => new Worker(new URL('./vcpu-worker.js', import.meta.url)));
    undo.push(() => threads.forEach((t) => void t.terminate()));

    const vm = kvm.createVm();
    undo.push(() => vm.close());
    vm.setTssAddr(KVM_TSS_ADDR);
    vm.setIdentityMapAddr(KVM_IDENTITY_MAP_ADDR);
    vm.createIrqchip();
    vm.createPit2(KVM_PIT_SPEAKER_DUMMY);

    const { memory } = mapMemory(plan, vm, kernelFd, imageFd, imageSize, config.imagePath, extra);
    undo.push(() => memory.close());

    // The guest gets no ACPI tables (the MP table describes the CPUs and interrupts): acpi=off spares
    // it the RSDP scan and its error line. First, so a user's own acpi= later on the line wins.
    const cmdline = new Cmdline().push('acpi=off').push(config.cmdline);
    if (plan.e820.length > MEMMAP_MAX_ENTRIES) throw new RangeError('too many memory map entries');
    writeBootGdt(memory);
    writeMptable(memory, MPTABLE_START, config.cpus);
    const startInfo = writePvhBootInfo(memory, {
      startInfoAddr: PVH_INFO_START,
      memmapAddr: MEMMAP_START,
      cmdlineAddr: CMDLINE_START,
      cmdline: cmdline.toBytes(),
      memmap: plan.e820,
    });

    const supported = kvm.supportedCpuid();
    const vcpus: VcpuFd[] = [];
    for (let id = 0; id < config.cpus; id++) {
      const vcpu = vm.createVcpu(id);
      undo.push(() => vcpu.close());
      vcpu.setCpuid2(vcpuCpuid(supported, id, config.cpus));
      setupLint(vcpu);
      // Application processors wait for INIT/SIPI from the boot processor.
      if (id === 0) setupPvhRegs(vcpu, kernel.pvhEntry, startInfo);
      vcpus.push(vcpu);
    }
    return new Microvm(kvm, vm, vcpus, threads, memory, plan, config, undo);
  } catch (e) {
    for (const u of undo.reverse()) u();
    throw e;
  }
}

export class Microvm {
  private readonly shared: SharedState;
  private readonly serial: Serial8250;
  private readonly appSerials?: { com2: Serial8250; com3: Serial8250 };
  private readonly appRings?: { stdout: ByteRing; stderr: ByteRing };
  private readonly exited: Promise<void>[];
  private readonly vcpuErrors: string[] = [];
  private readonly vcpuStates: string[] = [];
  private tap?: ConsoleTap;
  private main?: MainVcpu;
  private readonly ignoreKick = () => {};

  constructor(
    readonly kvm: Kvm,
    readonly vm: VmFd,
    readonly vcpus: VcpuFd[],
    /** Workers for the last threads.length vCPUs; vCPU 0 runs on this thread when they are one fewer. */
    private readonly threads: Worker[],
    readonly memory: MmapMemory,
    readonly plan: MemoryPlan,
    private readonly config: MicrovmConfig,
    private readonly undo: (() => void)[],
  ) {
    this.shared = new SharedState(createSharedBuffers(vcpus.length, config.appStreams !== undefined));
    const irqLine = (gsi: number, level: boolean) => vm.irqLine(gsi, level);
    this.serial = createSerial(this.shared, irqLine);
    this.appSerials = createAppSerials(this.shared, irqLine);
    const app = this.shared.buffers.app;
    if (app) this.appRings = { stdout: new ByteRing(app.stdout), stderr: new ByteRing(app.stderr) };
    this.exited = threads.map((t) => new Promise((resolve) => t.once('exit', () => resolve())));
  }

  private workerVcpus(): VcpuFd[] {
    return this.vcpus.slice(this.vcpus.length - this.threads.length);
  }

  /**
   * Hands each vCPU to its thread, which starts running it; vCPU 0, when it stays on this thread,
   * runs in wait(). `t0` is when the user's clock started (performance.now(); 0 is process start).
   */
  start(t0 = performance.now()): void {
    this.tap = new ConsoleTap(t0);
    // The kick signal needs a handler so that it interrupts KVM_RUN instead of killing the process.
    process.on('SIGUSR2', this.ignoreKick);
    const runSize = this.kvm.vcpuMmapSize();
    if (this.threads.length < this.vcpus.length) {
      this.main = new MainVcpu(this.vcpus[0]!, this.vm, this.shared, runSize, () => this.pumpConsole());
    }
    this.workerVcpus().forEach((vcpu, i) => {
      const thread = this.threads[i]!;
      thread.on('message', (m: { error?: { message: string }; state?: string }) => {
        if (m.error) this.vcpuErrors.push(`vCPU ${vcpu.id}: ${m.error.message}`);
        if (m.state) this.vcpuStates.push(m.state);
      });
      thread.on('error', (e) => {
        this.vcpuErrors.push(`vCPU ${vcpu.id}: ${e.message}`);
        this.shared.requestStop('vmm-error');
      });
      const data: VcpuWorkerData = { vmFd: this.vm.fd, vcpuFd: vcpu.fd, vcpuId: vcpu.id, runSize, shared: this.shared.buffers };
      thread.postMessage(data);
    });
  }

  /** Queues terminal input for the guest's UART. */
  sendInput(bytes: Uint8Array): void {
    this.serial.enqueueInput(bytes);
  }

  /** Queues bytes on an app run's UART input: COM2 (the app's terminal or app-init's requests) or COM3. */
  sendAppInput(uart: 'com2' | 'com3', bytes: Uint8Array): void {
    this.appSerials?.[uart].enqueueInput(bytes);
  }

  /** Input on `fd` (stdin, when it feeds sendInput) gets to the guest at once while vCPU 0 runs on this thread. */
  wakeOnInput(fd: number): void {
    this.main?.wakeOnInput(fd);
  }

  /** Asks the VM to stop (timeout, Ctrl-C); the first reason wins. */
  stop(reason: StopReason): void {
    this.shared.requestStop(reason);
  }

  private pumpConsole(): void {
    this.shared.outputTaken();
    if (this.appRings) {
      const out = this.appRings.stdout.drain();
      if (out.length) this.config.appStreams!.onStdout(out);
      const err = this.appRings.stderr.drain();
      if (err.length) this.config.appStreams!.onStderr(err);
    }
    const bytes = this.shared.drainConsole();
    if (bytes.length === 0) return;
    this.tap!.feed(bytes);
    this.config.onConsole?.(bytes);
  }

  /** Kicks vCPU threads out of KVM_RUN until they have all returned. */
  private async joinWorkers(): Promise<void> {
    let done = false;
    const all = Promise.all(this.exited).then(() => {
      done = true;
    });
    for (let tries = 0; !done && tries < 100; tries++) {
      this.workerVcpus().forEach((v) => {
        const tid = this.shared.tid(v.id);
        if (tid) {
          try {
            tgkill(process.pid, tid, SIGUSR2);
          } catch {
            // The thread is gone already.
          }
        }
      });
      await Promise.race([all, new Promise((r) => setTimeout(r, 20))]);
      this.pumpConsole();
    }
  }

  /** Runs the console until the VM stops, then stops every vCPU. */
  async wait(): Promise<MicrovmResult> {
    if (this.main) {
      const { state, error } = await this.main.run();
      if (state) this.vcpuStates.push(state);
      if (error) this.vcpuErrors.push(`vCPU 0: ${error}`);
    }
    while (!this.shared.stopRequested()) {
      await this.shared.waitForConsole();
      this.pumpConsole();
    }
    await this.joinWorkers();
    this.pumpConsole();
    const { reason, guestStatus } = this.shared.stopReason();
    const tap = this.tap!;
    return {
      reason,
      ...(reason === 'exit-port' ? { guestStatus } : {}),
      panicked: tap.panicked,
      exits: this.shared.exitCounts(),
      ...(tap.firstByteMs !== undefined ? { firstConsoleMs: tap.firstByteMs } : {}),
      ...(tap.firstUserspaceMs !== undefined ? { firstUserspaceMs: tap.firstUserspaceMs } : {}),
      consoleBytes: tap.bytes,
      lastLines: tap.lastLines(),
      vcpuErrors: this.vcpuErrors,
      vcpuStates: this.vcpuStates,
    };
  }

  /** True when every vCPU thread has returned (close() is then safe). */
  async workersStopped(timeoutMs: number): Promise<boolean> {
    return Promise.race([
      Promise.all(this.exited).then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref()),
    ]);
  }

  /** Releases memory and fds in reverse order of creation. */
  close(): void {
    this.main?.close();
    process.off('SIGUSR2', this.ignoreKick);
    for (const u of this.undo.reverse()) u();
    this.undo.length = 0;
  }
}
