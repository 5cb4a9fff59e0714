// Benchmark for app images (issue 7), in one lab run (or directly on a KVM host):
//  - time from `cc-run app.ext4 -- true` to its exit, against QEMU booting the same kernel and
//    guest OS with the app image as a virtio disk and the same app-init (isa-debug-exit for the status);
//  - host memory (PSS and RSS of the VMM processes, guest memory included) with 1 and with 8 apps
//    idle at once (each printed "ready" and sleeps), cc-run against that QEMU.
// Usage: node dist/scripts/bench-app.js [--runs N] [--guest out/guest.ext4] [--kernel VMLINUX] [--json]
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cac } from 'cac';
import { readAppImage } from '../runtime/app/app-image.js';
import { applyOverrides } from '../runtime/app/overrides.js';
import { encodeRunSpec } from '../runtime/app/run-spec.js';
import { runInLab } from './kvm-lab.js';
import { qemuGuestArgv, qemuGuestShellLine } from './lab-qemu-guest.js';
import { makeAppFixture } from './make-app-fixture.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const sh = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const MEMORY_MIB = 128;
const IDLE = ['sh', '-c', 'echo ready; exec sleep 100000'];

interface Options { runs: number; guest: string; kernel?: string; json?: boolean }

/** The QEMU line: guest OS on virtio-pmem (as its own tests), the app and the spec on virtio-blk, COM2 to `out`. */
function qemuLine(o: { kernel: string; guest: string; app: string; spec: string; out: string }): string {
  const cmd = qemuGuestArgv({
    vmlinux: o.kernel, image: o.guest, root: 'pmem', memoryMiB: MEMORY_MIB,
    // cgroup.memory=nokmem as in cc-run's guest line (manifest/guest-cmdline.ts): the same guest memory.
    cmdline: 'init=/usr/lib/cc/app-init ro 8250.nr_uarts=3 quiet cgroup.memory=nokmem cc.app=/dev/vda cc.spec=/dev/vdb',
  });
  const at = cmd.args.indexOf('stdio');
  cmd.args.splice(at - 1, 2, '-serial', 'null', '-serial', `file:${o.out}`, '-serial', 'null');
  cmd.args.push(
    '-drive', `id=app,file=${o.app},format=raw,if=none,snapshot=on`, '-device', 'virtio-blk-pci,drive=app',
    '-drive', `id=spec,file=${o.spec},format=raw,if=none,readonly=on`, '-device', 'virtio-blk-pci,drive=spec',
    '-device', 'isa-debug-exit,iobase=0x501,iosize=1',
  );
  return qemuGuestShellLine(cmd);
}

/** A spec file for QEMU: the bytes cc-run would put in /dev/pmem2, padded to whole sectors. */
function specFile(app: string, argv: string[], path: string): string {
  const image = readAppImage(app)!;
  const bytes = encodeRunSpec(applyOverrides(image.config, { entrypoint: '', cmd: argv }, image.accounts,
    { env: {}, resolvConf: '', defaultHostname: 'bench' }));
  writeFileSync(path, Buffer.concat([bytes, Buffer.alloc(4096 - (bytes.length % 4096))]));
  return path;
}

function script(o: Options & { kernel: string; app: string; work: string }): string {
  const ccRun = `node ${sh(join(repoRoot, 'bin/cc-run.js'))} ${sh(o.app)} --guest ${sh(o.guest)} --kernel ${sh(o.kernel)} --memory ${MEMORY_MIB}M`;
  const specTrue = specFile(o.app, ['true'], join(o.work, 'spec-true'));
  const specIdle = specFile(o.app, IDLE, join(o.work, 'spec-idle'));
  const q = (spec: string, out: string) => qemuLine({ kernel: o.kernel, guest: o.guest, app: o.app, spec, out });
  const R = sh(join(o.work, 'results'));
  const ms = 'echo $(( ($(date +%s%N) - t) / 1000000 ))';
  const lines = [
    'set -u', `W=${sh(o.work)}`, `: >${R}`, 'cd /',
    `pss() { s=0; r=0; for p in "$@"; do s=$((s + $(awk '/^Pss:/{print $2}' /proc/$p/smaps_rollup))); r=$((r + $(awk '/^Rss:/{print $2}' /proc/$p/smaps_rollup))); done; echo "$s $r"; }`,
    // Warm the page cache (kernel, guest OS, app) so every run reads from memory.
    `cat ${sh(o.kernel)} ${sh(o.guest)} ${sh(o.app)} >/dev/null`,
  ];
  // Memory: apps started one after another (each waits for the previous to print "ready"), then
  // all of them idle at once while PSS and RSS are summed over the VMM processes.
  for (const n of [1, 8]) {
    for (const vmm of ['cc-run', 'qemu']) {
      // Outputs stay in the lab's own /tmp: only the results cross the shared folder.
      const out = `"/tmp/idle-${vmm}-${n}-$i.out"`;
      const start = vmm === 'cc-run'
        ? `${ccRun} --entrypoint ${IDLE[0]} -- ${IDLE.slice(1).map(sh).join(' ')} >${out} 2>&1`
        : q(specIdle, `/tmp/idle-${vmm}-${n}-$i.out`).replace(/'?file:[^ ]*idle[^ ]*\.out'?/, `"file:/tmp/idle-${vmm}-${n}-$i.out"`);
      lines.push(`pids=''; ready=0; t=$(date +%s%N)`);
      lines.push(`for i in $(seq ${n}); do ${start} & pids="$pids $!"; w=0; until grep -q ready ${out} 2>/dev/null || [ $w -ge 240 ]; do sleep 0.5; w=$((w+1)); done; grep -q ready ${out} && ready=$((ready+1)); done`);
      lines.push(`up=$(${ms}); sleep 3; echo "idle ${vmm} ${n} $(pss $pids) $up $ready" >>${R}`);
      lines.push('kill -KILL $pids; wait 2>/dev/null');
    }
  }
  lines.push(
    // The fixture has an entrypoint (docker would run it with `true` as its argument): replace it.
    `for i in $(seq ${o.runs}); do t=$(date +%s%N); ${ccRun} --entrypoint /bin/true >/dev/null 2>&1; st=$?; echo "true cc-run $(${ms}) $st" >>${R}; done`,
    // isa-debug-exit makes QEMU exit with (status << 1) | 1: `true` gives 1.
    `for i in $(seq ${o.runs}); do t=$(date +%s%N); ${q(specTrue, '/dev/null')} >/dev/null 2>&1; st=$?; echo "true qemu $(${ms}) $st" >>${R}; done`,
    // The alternative to app-init: the same guest OS booted by systemd, to multi-user.target (where
    // a unit would start the app), seen on the console; then the VM is killed.
    `for i in $(seq ${o.runs}); do t=$(date +%s%N); node ${sh(join(repoRoot, 'bin/cc-run.js'))} ${sh(o.guest)} --kernel ${sh(o.kernel)} --memory ${MEMORY_MIB}M --cmdline systemd.show_status=1 --timeout 300 >"/tmp/systemd-$i.log" 2>&1 & p=$!; until grep -q 'Reached target.*multi-user' "/tmp/systemd-$i.log" || ! kill -0 $p 2>/dev/null; do sleep 0.2; done; echo "true systemd $(${ms}) 0" >>${R}; kill -KILL $p; wait $p 2>/dev/null; done`,
  );
  // The last `wait` reports the killed VM's status; the run itself succeeded.
  lines.push('exit 0');
  return `${lines.join('\n')}\n`;
}

interface Row { vmm: string; n: number; pssKiB: number; rssKiB: number; upMs: number; ready: number }

async function main(o: Options): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'cc-bench-app-'));
  try {
    const guestJson = o.guest.replace(/\.ext4$/, '.json');
    const kernel = o.kernel ?? (existsSync(guestJson) ? resolve(dirname(guestJson), JSON.parse(readFileSync(guestJson, 'utf8')).kernel.path) : undefined);
    if (!existsSync(o.guest) || !kernel) throw new Error(`${o.guest}: no guest OS image with a kernel (cc-build recipes/guest.yaml, or --guest/--kernel)`);
    const app = makeAppFixture(join(work, 'fixture'));
    writeFileSync(join(work, 'bench.sh'), script({ ...o, kernel, app, work }));
    const r = await runInLab({ command: `sh ${sh(join(work, 'bench.sh'))}`, scratchDir: work, timeoutS: 1500, cpus: 2 });
    const text = existsSync(join(work, 'results')) ? readFileSync(join(work, 'results'), 'utf8') : '';
    if (r.exitCode !== 0) throw new Error(`bench run failed (${r.exitCode}${r.timedOut ? ', timed out' : ''}):\n${text}\n${r.stderr.slice(-2000)}`);
    const times: Record<string, number[]> = {};
    const rows: Row[] = [];
    for (const l of text.trim().split('\n')) {
      const f = l.split(' ');
      if (f[0] === 'true') (times[f[1]!] ??= []).push(Number(f[2]));
      if (f[0] === 'idle') rows.push({ vmm: f[1]!, n: Number(f[2]), pssKiB: Number(f[3]), rssKiB: Number(f[4]), upMs: Number(f[5]), ready: Number(f[6]) });
    }
    const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
    const summary = {
      mode: r.mode,
      trueMs: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, { median: median(v), runs: v }])),
      idle: rows,
      perExtraAppKiB: Object.fromEntries(['cc-run', 'qemu'].map((v) => {
        const one = rows.find((x) => x.vmm === v && x.n === 1)!;
        const eight = rows.find((x) => x.vmm === v && x.n === 8)!;
        return [v, Math.round((eight.pssKiB - one.pssKiB) / 7)];
      })),
    };
    if (o.json) console.log(JSON.stringify(summary));
    else {
      console.log(`mode: ${r.mode} (lab timings are ~50-100x a real KVM host's; compare ratios)`);
      console.log('| measure | cc-run | QEMU | cc-run / QEMU |\n|---|---|---|---|');
      const t = summary.trueMs;
      console.log(`| \`-- true\` to exit, median of ${o.runs} (ms) | ${t['cc-run']?.median} | ${t.qemu?.median} | ${((t['cc-run']?.median ?? 0) / (t.qemu?.median ?? 1)).toFixed(2)} |`);
      console.log(`\nThe same guest OS under cc-run booted by systemd to multi-user.target (where a unit would start the app), median: ${t.systemd?.median} ms; app-init ran the app and exited in ${t['cc-run']?.median} ms.`);
      for (const n of [1, 8]) {
        const c = rows.find((x) => x.vmm === 'cc-run' && x.n === n)!;
        const q = rows.find((x) => x.vmm === 'qemu' && x.n === n)!;
        if (c.ready !== n || q.ready !== n) console.log(`| (only ${c.ready} cc-run and ${q.ready} QEMU guests of ${n} printed ready) | | | |`);
        console.log(`| ${n} idle app${n > 1 ? 's' : ''}: PSS total (MiB) | ${(c.pssKiB / 1024).toFixed(1)} | ${(q.pssKiB / 1024).toFixed(1)} | ${(c.pssKiB / q.pssKiB).toFixed(2)} |`);
        console.log(`| ${n} idle app${n > 1 ? 's' : ''}: RSS total (MiB) | ${(c.rssKiB / 1024).toFixed(1)} | ${(q.rssKiB / 1024).toFixed(1)} | ${(c.rssKiB / q.rssKiB).toFixed(2)} |`);
      }
      const p = summary.perExtraAppKiB;
      console.log(`| each additional app: PSS (MiB) | ${(p['cc-run']! / 1024).toFixed(1)} | ${(p.qemu! / 1024).toFixed(1)} | ${(p['cc-run']! / p.qemu!).toFixed(2)} |`);
    }
  } finally {
    if (!process.env.CC_KEEP) rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const cli = cac('bench-app');
  cli.option('--runs <n>', 'timed runs of -- true', { default: 2 })
    .option('--guest <image>', 'guest OS image', { default: process.env.CC_GUEST ?? 'out/guest.ext4' })
    .option('--kernel <vmlinux>', 'kernel (default: the one guest.json names)')
    .option('--json', 'print the figures as JSON');
  const { options } = cli.parse();
  if (!options.help) {
    await main({ runs: Number(options.runs), guest: resolve(String(options.guest)), ...(options.kernel ? { kernel: String(options.kernel) } : {}), json: !!options.json })
      .catch((e) => { console.error(`bench-app: ${(e as Error).message}`); process.exit(1); });
  }
}
