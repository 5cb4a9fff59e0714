import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openOci } from '../../../builder/sources/oci.js';
import { SourceError } from '../../../builder/sources/errors.js';
import { ociFixtures, platform } from './oci-fixtures.js';
import { dumpLayers, dumpStream } from './layer-streams.js';
import { rejection } from '../../helpers/rejection.js';
import { scratchDir } from '../../helpers/scratch.js';

const fx = await ociFixtures();
const open = (spec: string) => openOci(spec, { platform });

const failure = (p: Promise<unknown>) => rejection(p, SourceError);

const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const blobPath = (layout: string, digest: string) => join(layout, 'blobs', ...digest.split(':'));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A scratch copy of the layout (so tests can break it). */
function copyLayout(): string {
  const dir = join(scratchDir('oci-bad'), 'layout');
  cpSync(fx!.layout, dir, { recursive: true });
  return dir;
}

function finalManifest(layout: string): { digest: string; manifest: any; config: any } {
  const desc = json(join(layout, 'index.json')).manifests.find((m: any) => m.annotations['org.opencontainers.image.ref.name'] === 'final');
  const manifest = json(blobPath(layout, desc.digest));
  return { digest: desc.digest, manifest, config: json(blobPath(layout, manifest.config.digest)) };
}

/** Rewrites `final` with an edited manifest and/or config (re-digested, so only the edit is wrong). */
function rewriteFinal(layout: string, edit: (m: any, c: any) => void): void {
  const { manifest, config } = finalManifest(layout);
  edit(manifest, config);
  const put = (data: Buffer) => { const d = `sha256:${sha256(data)}`; writeFileSync(blobPath(layout, d), data); return { digest: d, size: data.length }; };
  Object.assign(manifest.config, put(Buffer.from(JSON.stringify(config))));
  const md = put(Buffer.from(JSON.stringify(manifest)));
  const index = json(join(layout, 'index.json'));
  const entry = index.manifests.find((m: any) => m.annotations['org.opencontainers.image.ref.name'] === 'final');
  Object.assign(entry, md);
  writeFileSync(join(layout, 'index.json'), JSON.stringify(index));
}

if (fx) {
  test('oci:DIR:final: run config as umoci declared it, source named by ref and manifest digest', async () => {
    const src = await open(`${fx.layout}:final`);
    const rc = await src.runConfig();
    assert.equal(rc, {
      schema: 'cc.image.v1',
      entrypoint: ['/bin/hello'],
      cmd: ['world'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'GREETING=hi'],
      workingDir: '/data',
      user: 'app:staff',
      exposedPorts: ['8080/tcp'],
      labels: { 'org.example.fixture': 'yes' },
      source: { ref: 'final', digest: finalManifest(fx.layout).digest },
    });
    assert.is(src.ref, `oci:${fx.layout}:final`);
    await src.close();
  });

  test('layers stream as tars whose sha256 is the config diff_id and whose entries are the blob\'s', async () => {
    const { manifest, config } = finalManifest(fx.layout);
    const layers = await dumpLayers(await open(`${fx.layout}:final`));
    assert.is(layers.length, 4);
    for (const [i, l] of layers.entries()) {
      assert.is(`sha256:${l.sha256}`, config.rootfs.diff_ids[i]);
      assert.match(l.name, manifest.layers[i].digest);
      const listed = execFileSync('tar', ['-t'], { input: gunzipSync(readFileSync(blobPath(fx.layout, manifest.layers[i].digest))) }).toString().trim().split('\n');
      assert.equal(l.entries, listed);
    }
    assert.ok(layers[1]!.entries.includes('data/.wh.old'), 'layer 2 has the whiteout');
    assert.ok(layers[3]!.entries.includes('data/opq/.wh..wh..opq'), 'layer 4 has the opaque marker');
  });

  test('zstd layers and uncompressed sha512-addressed layers give the same tar streams as the gzip ones', async () => {
    const gz = await dumpLayers(await open(`${fx.layout}:final`));
    for (const tag of ['zstd', 'plain']) {
      const other = await dumpLayers(await open(`${fx.layout}:${tag}`));
      assert.equal(other.map((l) => l.sha256), gz.map((l) => l.sha256), tag);
    }
    assert.match((await dumpLayers(await open(`${fx.layout}:plain`)))[0]!.name, 'blob sha512:');
  });

  test('a nested index selects linux/amd64; a digest REF selects that manifest', async () => {
    const { digest } = finalManifest(fx.layout);
    assert.is((await (await open(`${fx.layout}:multi`)).runConfig())!.source.digest, digest);
    assert.is((await (await open(`${fx.layout}:${digest}`)).runConfig())!.source.digest, digest);
  });

  test('several images and no REF: the error lists them', async () => {
    const err = await failure(open(fx.layout));
    assert.is(err.kind, 'ref');
    assert.match(err.message, 'base, l1, l2, l3, l4, final, zstd, plain, multi, arm-only');
  });

  test('an unknown REF names it and lists what there is', async () => {
    const err = await failure(open(`${fx.layout}:nope`));
    assert.is(err.kind, 'ref');
    assert.match(err.message, '"nope"');
    assert.match(err.hint!, 'final');
  });

  test('an index for another platform only is refused naming what it offers', async () => {
    const err = await failure(open(`${fx.layout}:arm-only`));
    assert.is(err.kind, 'platform');
    assert.match(err.message, 'linux/arm64');
  });

  test('not a layout, no such directory', async () => {
    assert.is((await failure(open('/nonexistent/dir:x'))).kind, 'not-found');
    assert.is((await failure(open(`${tmpdir()}:x`))).kind, 'bad-layout');
  });

  test('a missing layer blob is refused at open, naming the digest', async () => {
    const layout = copyLayout();
    const { manifest } = finalManifest(layout);
    rmSync(blobPath(layout, manifest.layers[2].digest));
    const err = await failure(open(`${layout}:final`));
    assert.is(err.kind, 'missing-blob');
    assert.match(err.message, manifest.layers[2].digest);
  });

  test('a layer blob with the right size but other bytes fails while streaming, naming the blob', async () => {
    const layout = copyLayout();
    const { manifest } = finalManifest(layout);
    const p = blobPath(layout, manifest.layers[0].digest);
    const blob = readFileSync(p);
    blob[4] ^= 0xff; // the gzip header's mtime: still valid gzip, different digest
    writeFileSync(p, blob);
    const src = await open(`${layout}:final`);
    const first = (await src.layers()[Symbol.asyncIterator]().next()).value!;
    const err = await failure(dumpStream(await first.open()));
    assert.is(err.kind, 'digest-mismatch');
    assert.match(err.message, manifest.layers[0].digest);
  });

  test('a layer blob of another size is refused at open', async () => {
    const layout = copyLayout();
    const { manifest } = finalManifest(layout);
    const p = blobPath(layout, manifest.layers[1].digest);
    writeFileSync(p, Buffer.concat([readFileSync(p), Buffer.from('x')]));
    const err = await failure(open(`${layout}:final`));
    assert.is(err.kind, 'size-mismatch');
    assert.match(err.message, manifest.layers[1].digest);
  });

  test('a corrupted manifest is refused (digest check of small blobs)', async () => {
    const layout = copyLayout();
    const { digest } = finalManifest(layout);
    const p = blobPath(layout, digest);
    writeFileSync(p, readFileSync(p).toString().replace('"schemaVersion":2', '"schemaVersion":3'));
    const err = await failure(open(`${layout}:final`));
    assert.is(err.kind, 'digest-mismatch');
    assert.match(err.message, digest);
  });

  test('an unknown layer media type is refused naming the blob and the type', async () => {
    const layout = copyLayout();
    rewriteFinal(layout, (m) => { m.layers[1].mediaType = 'application/vnd.example.squashfs'; });
    const err = await failure(open(`${layout}:final`));
    assert.is(err.kind, 'unknown-media-type');
    assert.match(err.message, 'application/vnd.example.squashfs');
    assert.match(err.message, finalManifest(layout).manifest.layers[1].digest);
  });

  test('a config for another platform is refused', async () => {
    const layout = copyLayout();
    rewriteFinal(layout, (_m, c) => { c.architecture = 'riscv64'; });
    const err = await failure(open(`${layout}:final`));
    assert.is(err.kind, 'platform');
    assert.match(err.message, 'riscv64');
  });

  test('layer entries escaping the root are refused naming layer and entry', async () => {
    const src = await open(`${fx.layout}:final`);
    const layer = (await src.layers()[Symbol.asyncIterator]().next()).value!;
    assert.is(layer.mapPath!('./a/../b'), './a/../b');
    assert.throws(() => layer.mapPath!('a/../../etc/shadow'), (err: Error) => err instanceof SourceError && err.message.includes('a/../../etc/shadow') && err.message.includes(layer.name));
  });
}

test.run();
