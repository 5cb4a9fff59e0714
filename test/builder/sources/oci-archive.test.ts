import { execFileSync } from 'node:child_process';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openOci } from '../../../builder/sources/oci.js';
import { openOciArchive } from '../../../builder/sources/oci-archive.js';
import { SourceError } from '../../../builder/sources/errors.js';
import { dumpLayers } from './layer-streams.js';
import { ociFixtures, platform } from './oci-fixtures.js';
import { rejection } from '../../helpers/rejection.js';
import { scratchDir } from '../../helpers/scratch.js';

const fx = await ociFixtures();

const failure = (p: Promise<unknown>) => rejection(p, SourceError);

if (fx) {
  test('oci-archive: gives the same run config and layer streams as oci: for the skopeo copy', async () => {
    const dir = await openOci(`${fx.layout}:final`, { platform });
    const arc = await openOciArchive(`${fx.ociArchive}:final`, { platform });
    assert.equal(await arc.runConfig(), await dir.runConfig());
    assert.equal((await dumpLayers(arc)).map((l) => l.sha256), (await dumpLayers(dir)).map((l) => l.sha256));
    assert.is(arc.ref, `oci-archive:${fx.ociArchive}:final`);
    await arc.close();
  });

  test('the only image is taken without REF; a wrong REF is refused', async () => {
    await (await openOciArchive(fx.ociArchive, { platform })).close();
    const err = await failure(openOciArchive(`${fx.ociArchive}:latest`, { platform }));
    assert.is(err.kind, 'ref');
    assert.match(err.hint!, 'final');
  });

  test('a truncated archive, a non-tar file and a missing file are refused naming the file', async () => {
    const dir = scratchDir('ociarc');
    const cut = join(dir, 'cut.tar');
    writeFileSync(cut, readFileSync(fx.ociArchive));
    truncateSync(cut, 3000);
    const e1 = await failure(openOciArchive(cut, { platform }));
    assert.is(e1.kind, 'bad-archive');
    assert.match(e1.message, cut);
    const junk = join(dir, 'junk.tar');
    writeFileSync(junk, Buffer.alloc(4096, 7));
    assert.is((await failure(openOciArchive(junk, { platform }))).kind, 'bad-archive');
    assert.is((await failure(openOciArchive(join(dir, 'none.tar'), { platform }))).kind, 'not-found');
  });

  test('a blob missing from the archive is refused naming its digest', async () => {
    const dir = scratchDir('ociarc');
    const manifest = JSON.parse(execFileSync('tar', ['-xOf', fx.ociArchive, 'index.json']).toString()).manifests[0];
    const layers = JSON.parse(execFileSync('tar', ['-xOf', fx.ociArchive, `blobs/sha256/${manifest.digest.slice(7)}`]).toString()).layers;
    const victim = `blobs/sha256/${layers[2].digest.slice(7)}`;
    const out = join(dir, 'missing.tar');
    // (GNU tar --delete can corrupt the archive: rebuild it without the blob instead.)
    execFileSync('sh', ['-c', 'mkdir "$4/x" && tar -xf "$1" -C "$4/x" && rm "$4/x/$3" && tar -C "$4/x" -cf "$2" .', 'sh', fx.ociArchive, out, victim, dir]);
    const err = await failure(openOciArchive(out, { platform }));
    assert.is(err.kind, 'missing-blob', err.message);
    assert.match(err.message, layers[2].digest);
  });
}

test.run();
