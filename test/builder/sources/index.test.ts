// Every container transport through `cc-build convert`, checked against the reference tools:
// the loop-mounted image equals `umoci unpack` of the same image, entry by entry.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tarStream from 'tar-stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IMAGE_CONFIG_PATH } from '../../../manifest/image-manifest.js';
import { assertFsckClean, withMount } from '../../helpers/image-check.js';
import { diffSnapshots, snapshotDir, type DirSnapshot } from '../../helpers/dir-snapshot.js';
import { ociFixtures } from './oci-fixtures.js';
import { scratchDir } from '../../helpers/scratch.js';

const fx = await ociFixtures();
const out = scratchDir('convert-img');
const bin = join(process.cwd(), 'bin/cc-build.js');

function convert(source: string, output: string, extra: string[] = []) {
  const r = spawnSync(process.execPath, [bin, 'convert', source, '-o', output, '--json', ...extra], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: r.status === 0 ? JSON.parse(r.stdout) : undefined };
}

const OURS = ['/.cc', '/lost+found'];
const snapshotImage = (image: string) => withMount(image, (dir) => ({
  tree: snapshotDir(dir, OURS),
  config: readFileSync(join(dir, IMAGE_CONFIG_PATH), 'utf8'),
  configStat: statSync(join(dir, IMAGE_CONFIG_PATH)),
}));

function assertSameTree(got: DirSnapshot, want: DirSnapshot): void {
  const diff = diffSnapshots(got, want);
  assert.equal(diff, [], diff.slice(0, 20).join('\n'));
}

/** Fails unless the command failed with one line naming `culprit` and left nothing in its folder. */
function assertCleanFailure(r: ReturnType<typeof convert>, dir: string, culprit: string | RegExp): void {
  assert.is.not(r.status, 0, `expected failure, got ${r.stdout}`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, r.stderr);
  if (typeof culprit === 'string') assert.ok(lines[0]!.includes(culprit), `"${lines[0]}" should name ${culprit}`);
  else assert.match(lines[0]!, culprit);
  assert.equal(readdirSync(dir), [], 'no output or temp file left behind');
}

if (fx && process.getuid?.() === 0) {
  const reference = snapshotDir(fx.unpacked);
  const ociImage = join(out, 'oci.ext4');

  test('oci: the converted tree equals umoci unpack entry by entry; run config stored and printed', async () => {
    const r = convert(`oci:${fx.layout}:final`, ociImage);
    assert.is(r.status, 0, r.stderr);
    assertFsckClean(ociImage);
    const img = await snapshotImage(ociImage);
    assertSameTree(img.tree, reference);
    // What the fixture made is really there (so equality is not vacuous).
    const e = img.tree.entries;
    assert.equal(img.tree.linkGroups.find((g) => g.includes('/data/hl-a')), ['/data/hl-a', '/data/hl-b', '/data/hl-c']);
    assert.is(e.get('/bin/ping-cap')!.xattrs['security.capability'], '0x0100000200200000000000000000000000000000');
    assert.is(e.get('/data/file.txt')!.xattrs['user.note'], '0x68656c6c6f2d7861747472');
    assert.is(e.get('/dev/loop9')!.data, '7:9');
    assert.is(e.get('/data/dir-to-file')!.type, 'dir');
    assert.is(e.get('/data/file-to-dir')!.type, 'dir');
    for (const gone of ['/data/old', '/data/gone', '/data/opq/old1', '/data/opq/keep-not']) assert.not.ok(e.has(gone), gone);
    assert.equal(JSON.parse(img.config), r.json.runConfig);
    assert.is(img.configStat.mode & 0o7777, 0o644);
    assert.is(img.configStat.uid, 0);
    assert.equal(r.json.runConfig.user, { uid: 1000, gid: 50, name: 'app', group: 'staff' });
  });

  test('oci-archive: the same image, byte for byte', () => {
    const image = join(out, 'oci-archive.ext4');
    const r = convert(`oci-archive:${fx.ociArchive}:final`, image);
    assert.is(r.status, 0, r.stderr);
    assert.ok(readFileSync(image).equals(readFileSync(ociImage)), 'oci: and oci-archive: images differ');
  });

  test('docker-archive, zstd layers, uncompressed sha512-addressed layers: the same tree', async () => {
    for (const [source, name] of [
      [`docker-archive:${fx.dockerArchive}:fixture:final`, 'docker.ext4'],
      [`oci:${fx.layout}:zstd`, 'zstd.ext4'],
      [`oci:${fx.layout}:plain`, 'plain.ext4'],
    ] as const) {
      const r = convert(source, join(out, name));
      assert.is(r.status, 0, r.stderr);
      assertSameTree((await snapshotImage(join(out, name))).tree, reference);
      assertFsckClean(join(out, name));
    }
  });

  test('no root needed: nobody converts the oci-archive to the same bytes', () => {
    const dir = scratchDir('nobody');
    const archive = join(dir, 'image.tar');
    cpSync(fx.ociArchive, archive);
    // nobody may not reach the checkout (CI clones into a private folder): run a copy of cc-build.
    const app = join(dir, 'cc');
    for (const part of ['package.json', 'bin', 'dist', 'node_modules']) {
      cpSync(join(process.cwd(), part), join(app, part), { recursive: true, filter: (src) => !src.includes('node_modules/typescript') });
    }
    spawnSync('chmod', ['-R', 'a+rwX', dir]);
    const image = join(dir, 'nobody.ext4');
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(app, 'bin/cc-build.js'), 'convert', `oci-archive:${archive}:final`, '-o', image], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    assert.ok(readFileSync(image).equals(readFileSync(ociImage)), 'the unprivileged conversion differs');
  });

  const bad = (name: string) => {
    const dir = join(out, `bad-${name}`);
    mkdirSync(dir);
    return { dir, image: join(dir, 'x.ext4') };
  };

  /** A copy of the layout to break. */
  const layoutCopy = () => {
    const dir = join(scratchDir('layout'), 'layout');
    cpSync(fx.layout, dir, { recursive: true });
    return dir;
  };
  const manifestOf = (layout: string, tag: string) => {
    const d = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')).manifests.find((m: any) => m.annotations['org.opencontainers.image.ref.name'] === tag);
    return JSON.parse(readFileSync(join(layout, 'blobs', ...d.digest.split(':') as [string, string]), 'utf8'));
  };

  test('bad input: missing blob, wrong digest, other platform, missing REF: one line, non-zero, nothing left', () => {
    const missing = layoutCopy();
    const victim = manifestOf(missing, 'final').layers[1].digest as string;
    spawnSync('rm', [join(missing, 'blobs', ...victim.split(':'))]);
    let b = bad('missing');
    assertCleanFailure(convert(`oci:${missing}:final`, b.image), b.dir, victim);

    const corrupt = layoutCopy();
    const layer = manifestOf(corrupt, 'final').layers[0].digest as string;
    const p = join(corrupt, 'blobs', ...layer.split(':'));
    const bytes = readFileSync(p);
    bytes[4] ^= 0xff; // gzip mtime: valid gzip, wrong digest, found only at the end of the stream
    writeFileSync(p, bytes);
    b = bad('digest');
    assertCleanFailure(convert(`oci:${corrupt}:final`, b.image), b.dir, new RegExp(`${layer}: digest mismatch`));

    b = bad('platform');
    assertCleanFailure(convert(`oci:${fx.layout}:arm-only`, b.image), b.dir, 'linux/arm64');
    b = bad('noref');
    assertCleanFailure(convert(`oci:${fx.layout}`, b.image), b.dir, 'name one: base, l1');
    b = bad('wrongref');
    assertCleanFailure(convert(`oci-archive:${fx.ociArchive}:nope`, b.image), b.dir, '"nope"');
  });

  test('bad input: a layer entry escaping the root, an unknown user', async () => {
    const layout = layoutCopy();
    const pack = tarStream.pack();
    pack.entry({ name: 'ok' }, '');
    pack.entry({ name: '../../escaped' }, 'x\n');
    pack.finalize();
    const chunks: Buffer[] = [];
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    await new Promise<void>((resolve) => pack.on('end', () => resolve()));
    const tarFile = join(layout, '..', 'escape.tar');
    writeFileSync(tarFile, Buffer.concat(chunks));
    assert.is(spawnSync('umoci', ['raw', 'add-layer', '--image', `${layout}:final`, '--tag', 'escape', tarFile]).status, 0);
    let b = bad('escape');
    assertCleanFailure(convert(`oci:${layout}:escape`, b.image), b.dir, /escapes the image root/);
    assert.match(readFileSync(join(layout, 'index.json'), 'utf8'), 'escape');

    assert.is(spawnSync('umoci', ['config', '--image', `${layout}:final`, '--tag', 'ghost', '--config.user', 'ghost:staff']).status, 0);
    b = bad('user');
    assertCleanFailure(convert(`oci:${layout}:ghost`, b.image), b.dir, 'user "ghost": no such user');
  });
} else if (process.env.CI === 'true') {
  throw new Error('image conversion tests need root and the OCI fixtures in CI');
}

test.run();
