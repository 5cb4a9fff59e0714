// Benchmark: one multi-layer OCI image (a Debian minbase rootfs + two layers, > 200 MB unpacked)
// through `cc-build convert oci:` versus the rootless pipeline a user would otherwise run,
// `umoci unpack --rootless` + `mke2fs -t ext4 -d`, in the same run, same image size.
// Usage: node dist/scripts/bench-convert.js [--rootfs ROOTFS.tar] [--rounds N] [--json]
//   Without --rootfs, `mmdebstrap --variant=minbase bookworm` makes one (cached in ~/.cache/cc/bench).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(fileURLToPath(import.meta.url), '../../..');

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`);
  return r.stdout;
}

interface Measured { seconds: number; peakRssMiB: number }

/** Runs a command under GNU time: wall seconds and the peak RSS of the process (and its children, max). */
function timed(cmd: string, args: string[]): Measured {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  const [secs, kib] = r.stderr.trim().split('\n').pop()!.split(' ');
  return { seconds: Number(secs), peakRssMiB: Number(kib) / 1024 };
}

function minbase(): string {
  const cache = join(homedir(), '.cache/cc/bench');
  const tar = join(cache, 'bookworm-minbase.tar');
  if (!existsSync(tar)) {
    mkdirSync(cache, { recursive: true });
    console.error('making a Debian minbase rootfs with mmdebstrap (once)…');
    sh('mmdebstrap', ['--variant=minbase', '--quiet', 'bookworm', `${tar}.tmp`]);
    sh('mv', [`${tar}.tmp`, tar]);
  }
  return tar;
}

/** Layer 2: ~110 MB of application files (text that compresses about 2:1). Layer 3: deletions and edits. */
function extraLayers(work: string): [string, string] {
  const s2 = join(work, 'layer2');
  for (let d = 0; d < 110; d++) {
    mkdirSync(join(s2, 'opt/app/data', `d${d}`), { recursive: true });
    for (let f = 0; f < 10; f++) {
      const seed = createHash('sha256').update(`${d}/${f}`).digest('hex');
      const text = Array.from({ length: 800 }, (_, i) => createHash('md5').update(seed + i).digest('base64')).join('\n');
      writeFileSync(join(s2, 'opt/app/data', `d${d}`, `f${f}.txt`), text.repeat(4).slice(0, 100_000));
    }
  }
  sh('touch', ['-d', '@1700000000', join(s2, 'opt')]);
  const l2 = join(work, 'layer2.tar');
  sh('tar', ['--numeric-owner', '-C', s2, '-cf', l2, 'opt']);
  const s3 = join(work, 'layer3');
  mkdirSync(join(s3, 'usr/share'), { recursive: true });
  mkdirSync(join(s3, 'etc'), { recursive: true });
  writeFileSync(join(s3, 'usr/share/.wh.doc'), '');
  writeFileSync(join(s3, 'usr/share/.wh.man'), '');
  writeFileSync(join(s3, 'etc/hostname'), 'bench\n');
  const l3 = join(work, 'layer3.tar');
  sh('tar', ['--numeric-owner', '-C', s3, '-cf', l3, 'usr', 'etc']);
  return [l2, l3];
}

function buildImage(work: string, rootfs: string): string {
  const layout = join(work, 'layout');
  sh('umoci', ['init', '--layout', layout]);
  sh('umoci', ['new', '--image', `${layout}:bench`]);
  for (const layer of [rootfs, ...extraLayers(work)]) sh('umoci', ['raw', 'add-layer', '--image', `${layout}:bench`, layer]);
  sh('umoci', ['config', '--image', `${layout}:bench`, '--config.entrypoint', '/bin/bash', '--config.user', 'nobody']);
  return layout;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  const rounds = Number(opt('--rounds') ?? 2);
  const rootfs = opt('--rootfs') ?? minbase();
  const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'cc-bench-convert-'));
  try {
    const layout = buildImage(work, rootfs);
    const bytes = Number(sh('du', ['-sb', join(layout, 'blobs')]).split('\t')[0]);
    const ours = join(work, 'ours.ext4');
    const theirs = join(work, 'theirs.ext4');
    const bundle = join(work, 'bundle');
    const runs: { ours: Measured; theirs: Measured; unpack: Measured; mke2fs: Measured }[] = [];
    let unpackedMiB = 0;
    for (let round = 0; round < rounds; round++) {
      rmSync(ours, { force: true });
      const o = timed(process.execPath, [join(repo, 'bin/cc-build.js'), 'convert', `oci:${layout}:bench`, '-o', ours, '--json']);
      const size = statSync(ours).size;
      rmSync(bundle, { recursive: true, force: true });
      rmSync(theirs, { force: true });
      const unpack = timed('umoci', ['unpack', '--rootless', '--image', `${layout}:bench`, bundle]);
      unpackedMiB = Number(sh('du', ['-sb', '--apparent-size', join(bundle, 'rootfs')]).split('\t')[0]) / 2 ** 20;
      const mke2fs = timed('mke2fs', ['-q', '-F', '-t', 'ext4', '-b', '4096', '-d', join(bundle, 'rootfs'), theirs, `${size / 1024}k`]);
      runs.push({
        ours: o, unpack, mke2fs,
        theirs: { seconds: unpack.seconds + mke2fs.seconds, peakRssMiB: Math.max(unpack.peakRssMiB, mke2fs.peakRssMiB) },
      });
    }
    const best = (k: 'ours' | 'theirs' | 'unpack' | 'mke2fs') => runs.map((r) => r[k]).sort((a, b) => a.seconds - b.seconds)[0]!;
    const result = {
      image: { layers: 3, blobsMiB: bytes / 2 ** 20, unpackedMiB },
      rounds,
      ccBuildConvert: best('ours'),
      umociUnpackPlusMke2fs: best('theirs'),
      umociUnpack: best('unpack'),
      mke2fs: best('mke2fs'),
      speedup: best('theirs').seconds / best('ours').seconds,
      rssRatio: best('ours').peakRssMiB / best('theirs').peakRssMiB,
      all: runs,
    };
    if (argv.includes('--json')) {
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    const row = (name: string, m: Measured) => `| ${name.padEnd(38)} | ${m.seconds.toFixed(2).padStart(7)} | ${m.peakRssMiB.toFixed(0).padStart(13)} |`;
    console.log(`image: 3 layers, ${result.image.blobsMiB.toFixed(0)} MiB of blobs, ${unpackedMiB.toFixed(0)} MiB unpacked; best of ${rounds}`);
    console.log('| pipeline                               | seconds | peak RSS, MiB |');
    console.log('|----------------------------------------|---------|---------------|');
    console.log(row('cc-build convert oci:', result.ccBuildConvert));
    console.log(row('umoci unpack --rootless + mke2fs -d', result.umociUnpackPlusMke2fs));
    console.log(row('  umoci unpack --rootless', result.umociUnpack));
    console.log(row('  mke2fs -t ext4 -d', result.mke2fs));
    console.log(`speed-up: ${result.speedup.toFixed(2)}x; peak RSS ratio (ours / theirs): ${result.rssRatio.toFixed(2)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
