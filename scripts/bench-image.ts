// Benchmarks cc-build convert against tar -x + mke2fs -t ext4 -d on the same rootfs tarball:
//   node dist/scripts/bench-image.js [ROOTFS.tar] [--runs N]
// Without a tarball it makes the Debian minbase rootfs (scripts/make-debian-rootfs.ts).
// Prints seconds, MB/s (of uncompressed tar) and peak RSS for both, and the ratio; best of N runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ROOTFS, makeDebianRootfs } from './make-debian-rootfs.js';

const CC_BUILD = fileURLToPath(new URL('../../bin/cc-build.js', import.meta.url));

interface Measure {
  seconds: number;
  rssKiB: number;
}

/** Runs a command under /usr/bin/time -v: wall seconds and peak RSS. */
function timed(cmd: string, args: string[]): Measure {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) throw new Error(`/usr/bin/time: ${r.error.message} (apt-get install time)`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  const wall = /Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):(\d+(?:\.\d+)?)/.exec(r.stderr)!;
  const seconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  const rssKiB = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)![1]);
  return { seconds, rssKiB };
}

function best(runs: Measure[]): Measure {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

function main(): void {
  const args = process.argv.slice(2);
  const ri = args.indexOf('--runs');
  const runs = ri >= 0 ? Number(args.splice(ri, 2)[1]) : 3;
  const tarball = makeDebianRootfs(args[0] ?? DEFAULT_ROOTFS);
  const tarBytes = statSync(tarball).size;
  const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'cc-bench-'));
  try {
    readFileSync(tarball); // warm the page cache for both sides alike
    const ours: Measure[] = [];
    const theirs: Measure[] = [];
    let sizeBytes = 0;
    for (let i = 0; i < runs; i++) {
      const out = join(work, 'cc.ext4');
      ours.push(timed(process.execPath, [CC_BUILD, 'convert', `tar:${tarball}`, '-o', out, '--json']));
      sizeBytes = statSync(out).size;
      rmSync(out);

      const root = join(work, 'rootfs');
      const img = join(work, 'mke2fs.ext4');
      const x = timed('sh', ['-c', `mkdir ${root} && tar -xpf ${tarball} --xattrs --xattrs-include='*' --numeric-owner -C ${root}`]);
      const m = timed('mke2fs', ['-q', '-F', '-t', 'ext4', '-b', '4096', '-d', root, img, `${Math.ceil(sizeBytes / 1024)}k`]);
      theirs.push({ seconds: x.seconds + m.seconds, rssKiB: Math.max(x.rssKiB, m.rssKiB) });
      rmSync(root, { recursive: true, force: true });
      rmSync(img);
    }
    const a = best(ours);
    const b = best(theirs);
    const mbs = (m: Measure) => (tarBytes / 1e6 / m.seconds).toFixed(0);
    const rows = [
      ['', 'seconds', 'MB/s', 'peak RSS'],
      ['cc-build convert', a.seconds.toFixed(2), mbs(a), `${(a.rssKiB / 1024).toFixed(0)} MiB`],
      ['tar -x + mke2fs -d', b.seconds.toFixed(2), mbs(b), `${(b.rssKiB / 1024).toFixed(0)} MiB`],
      ['ratio (mke2fs / cc)', (b.seconds / a.seconds).toFixed(2) + 'x', '', ''],
    ];
    console.log(`${tarball}: ${(tarBytes / 1e6).toFixed(0)} MB tar, image ${(sizeBytes / 2 ** 20).toFixed(0)} MiB, best of ${runs}`);
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows) console.log('| ' + r.map((v, c) => v.padEnd(widths[c]!)).join(' | ') + ' |');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
