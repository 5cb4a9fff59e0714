import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDockerArchive } from '../../../builder/sources/docker-archive.js';
import { openOci } from '../../../builder/sources/oci.js';
import { SourceError } from '../../../builder/sources/errors.js';
import { TarIndex } from '../../../builder/sources/tar-index.js';
import { dumpLayers, dumpStream } from './layer-streams.js';
import { ociFixtures, platform } from './oci-fixtures.js';
import { rejection } from '../../helpers/rejection.js';
import { scratchDir } from '../../helpers/scratch.js';

const fx = await ociFixtures();

const failure = (p: Promise<unknown>) => rejection(p, SourceError);

if (fx) {
  test('docker-archive: same layer streams and run config as the OCI image it was copied from', async () => {
    const oci = await openOci(`${fx.layout}:final`, { platform });
    const dock = await openDockerArchive(`${fx.dockerArchive}:fixture:final`, { platform });
    assert.equal((await dumpLayers(dock)).map((l) => l.sha256), (await dumpLayers(oci)).map((l) => l.sha256));
    const { source: s1, ...rc1 } = (await oci.runConfig())!;
    const { source: s2, ...rc2 } = (await dock.runConfig())!;
    assert.equal(rc2, rc1);
    assert.is(s2.ref, 'docker.io/library/fixture:final');
    const config = JSON.parse(execFileSync('tar', ['-xOf', fx.dockerArchive, 'manifest.json']).toString())[0].Config;
    assert.is(s2.digest, `sha256:${config.replace(/\.json$/, '')}`);
    assert.ok(s1.digest !== s2.digest);
    await dock.close();
  });

  test('tags match with or without docker.io/library; no tag takes the only image; wrong tag lists them', async () => {
    await (await openDockerArchive(`${fx.dockerArchive}:docker.io/library/fixture:final`, { platform })).close();
    await (await openDockerArchive(fx.dockerArchive, { platform })).close();
    const err = await failure(openDockerArchive(`${fx.dockerArchive}:fixture:old`, { platform }));
    assert.is(err.kind, 'ref');
    assert.match(err.hint!, 'fixture:final');
  });

  test('a changed byte in a layer fails while streaming, naming the layer', async () => {
    const dir = scratchDir('dock');
    const copy = join(dir, 'bad.tar');
    const bytes = readFileSync(fx.dockerArchive);
    const index = await TarIndex.open(fx.dockerArchive);
    const manifest = JSON.parse(execFileSync('tar', ['-xOf', fx.dockerArchive, 'manifest.json']).toString())[0];
    const layer = index.get(manifest.Layers[0])!;
    await index.close();
    const at = bytes.indexOf(Buffer.from('some text\n'), layer.offset);
    assert.ok(at > 0 && at < layer.offset + layer.size);
    bytes[at] = 'S'.charCodeAt(0);
    writeFileSync(copy, bytes);
    const src = await openDockerArchive(copy, { platform });
    const first = (await src.layers()[Symbol.asyncIterator]().next()).value!;
    const err = await failure(dumpStream(await first.open()));
    assert.is(err.kind, 'digest-mismatch');
    assert.match(err.message, manifest.Layers[0]);
    await src.close();
  });

  test('legacy layout: manifest.json naming HEX/layer.tar in per-layer directories (docker save)', async () => {
    const dir = scratchDir('dock-legacy');
    const tree = join(dir, 'x');
    execFileSync('mkdir', [tree]);
    execFileSync('tar', ['-xf', fx.dockerArchive, '-C', tree]);
    const manifest = JSON.parse(readFileSync(join(tree, 'manifest.json'), 'utf8'));
    const legacy = execFileSync('tar', ['-tf', fx.dockerArchive]).toString().split('\n').filter((n) => n.endsWith('/layer.tar'));
    // Map each layer file to the directory whose layer.tar links to it, in manifest order.
    manifest[0].Layers = manifest[0].Layers.map((l: string) => legacy.find((n) => readlinkSync(join(tree, n)) === `../${l}`));
    writeFileSync(join(tree, 'manifest.json'), JSON.stringify(manifest));
    const file = join(dir, 'legacy.tar');
    execFileSync('tar', ['-C', tree, '-cf', file, '.']);
    const src = await openDockerArchive(file, { platform });
    const oci = await openOci(`${fx.layout}:final`, { platform });
    assert.equal((await dumpLayers(src)).map((l) => l.sha256), (await dumpLayers(oci)).map((l) => l.sha256));
    await src.close();
  });

  test('Docker 25+ layout: manifest.json naming blobs/sha256/HEX', async () => {
    const dir = scratchDir('dock-25');
    const tree = join(dir, 'x');
    execFileSync('mkdir', ['-p', join(tree, 'blobs/sha256')]);
    execFileSync('tar', ['-xf', fx.dockerArchive, '-C', tree]);
    const manifest = JSON.parse(readFileSync(join(tree, 'manifest.json'), 'utf8'));
    const move = (name: string) => {
      const to = `blobs/sha256/${name.replace(/\.(tar|json)$/, '')}`;
      execFileSync('mv', [join(tree, name), join(tree, to)]);
      return to;
    };
    manifest[0].Config = move(manifest[0].Config);
    manifest[0].Layers = manifest[0].Layers.map(move);
    writeFileSync(join(tree, 'manifest.json'), JSON.stringify(manifest));
    const file = join(dir, 'docker25.tar');
    execFileSync('sh', ['-c', 'cd "$1" && find . -name layer.tar -delete && tar -cf "$2" .', 'sh', tree, file]);
    const src = await openDockerArchive(file, { platform });
    const oci = await openOci(`${fx.layout}:final`, { platform });
    assert.equal((await dumpLayers(src)).map((l) => l.sha256), (await dumpLayers(oci)).map((l) => l.sha256));
    assert.is((await src.runConfig())!.source.digest, `sha256:${manifest[0].Config.slice('blobs/sha256/'.length)}`);
    await src.close();
  });

  test('not a docker archive: the OCI archive has no manifest.json', async () => {
    const err = await failure(openDockerArchive(fx.ociArchive, { platform }));
    assert.is(err.kind, 'bad-layout');
    assert.match(err.message, 'manifest.json');
  });
}

test.run();
