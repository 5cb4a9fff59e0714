// appc images built here per the appc spec (a tar of `manifest` + `rootfs/`, GNU tar, compressed
// with the Debian tools), converted by `cc-build convert aci:` with dependencies from a store.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openAci } from '../../../builder/sources/aci.js';
import { SourceError } from '../../../builder/sources/errors.js';
import { IMAGE_CONFIG_PATH } from '../../../manifest/image-manifest.js';
import { assertFsckClean, withMount } from '../../helpers/image-check.js';
import { diffSnapshots, snapshotDir } from '../../helpers/dir-snapshot.js';
import { platform } from './oci-fixtures.js';
import { rejection } from '../../helpers/rejection.js';
import { scratchDir } from '../../helpers/scratch.js';

const work = scratchDir('aci');
const store = join(work, 'store');
mkdirSync(store);
const bin = join(process.cwd(), 'bin/cc-build.js');
const label = (name: string, value: string) => ({ name, value });
const amd64 = [label('os', 'linux'), label('arch', 'amd64')];

/** Writes an ACI: `files` under rootfs/ (path → content), compressed with `compress` (a Debian tool). */
function makeAci(file: string, manifest: object, files: Record<string, string>, compress?: 'gzip' | 'bzip2' | 'xz', extraTop?: string): string {
  const stage = mkdtempSync(join(work, 'stage-'));
  writeFileSync(join(stage, 'manifest'), JSON.stringify({ acKind: 'ImageManifest', acVersion: '0.8.11', ...manifest }));
  mkdirSync(join(stage, 'rootfs'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(stage, 'rootfs', path)), { recursive: true });
    writeFileSync(join(stage, 'rootfs', path), content);
  }
  const members = ['manifest', 'rootfs'];
  if (extraTop) {
    writeFileSync(join(stage, extraTop), 'not allowed\n');
    members.push(extraTop);
  }
  execFileSync('touch', ['-d', '@1700000000', ...members.map((m) => join(stage, m))]);
  const tar = execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', stage, '-cf', '-', ...members], { maxBuffer: 1 << 26 });
  writeFileSync(file, compress ? execFileSync(compress, ['-c'], { input: tar, maxBuffer: 1 << 26 }) : tar);
  return createHash('sha512').update(tar).digest('hex');
}

const coreId = makeAci(join(store, 'core.aci'), { name: 'example.com/core', labels: [label('version', '2'), ...amd64] }, {
  'core-file': 'core\n', shared: 'from core\n', 'bin/tool': 'core tool\n',
});
makeAci(join(store, 'base.aci'), {
  name: 'example.com/base', labels: [label('version', '1.0'), ...amd64],
  dependencies: [{ imageName: 'example.com/core', imageID: `sha512-${coreId}`, labels: [label('version', '2')] }],
}, {
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nsvc:x:500:500::/srv:/bin/sh\n', 'etc/group': 'root:x:0:\nsvc:x:500:\nextra:x:77:svc\n',
  'bin/tool': 'base tool\n', shared: 'from base\n', 'base-only': 'b\n',
}, 'bzip2');
const app = {
  labels: [label('version', '3.1'), ...amd64],
  dependencies: [{ imageName: 'example.com/base', labels: [label('version', '1.0')] }],
  app: {
    exec: ['/bin/tool', '--serve'], user: 'svc', group: 'svc', workingDirectory: '/srv',
    environment: [{ name: 'FOO', value: 'bar' }], ports: [{ name: 'http', port: 8080, protocol: 'tcp' }],
  },
  annotations: [label('authors', 'cc tests')],
};
const appFiles = { shared: 'from app\n', 'srv/app-file': 'app\n' };
const appAci = join(work, 'app.aci');
makeAci(appAci, { name: 'example.com/app', ...app }, appFiles, 'xz');

function convert(source: string, output: string, extra: string[] = []) {
  const r = spawnSync(process.execPath, [bin, 'convert', source, '-o', output, '--json', ...extra], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, json: r.status === 0 ? JSON.parse(r.stdout) : undefined };
}

const failure = (p: Promise<unknown>) => rejection(p, SourceError);

test('dependencies resolve depth-first from the store: core, base, app', async () => {
  const src = await openAci(appAci, { platform, aciStore: store });
  const names: string[] = [];
  for await (const l of src.layers()) names.push(l.name);
  assert.equal(names.map((n) => n.replace(/^.*\((.*)\)$/, '$1')), ['example.com/core', 'example.com/base', 'example.com/app']);
});

test('the run config comes from the app: exec, user/group, env with default PATH, ports, labels', async () => {
  const rc = await (await openAci(appAci, { platform, aciStore: store })).runConfig();
  const appId = createHash('sha512').update(execFileSync('xz', ['-dc', appAci])).digest('hex');
  assert.equal(rc, {
    schema: 'cc.image.v1', entrypoint: ['/bin/tool', '--serve'], cmd: [],
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'FOO=bar'], workingDir: '/srv', user: 'svc:svc',
    exposedPorts: ['8080/tcp'], labels: { version: '3.1', os: 'linux', arch: 'amd64', authors: 'cc tests' },
    source: { ref: 'example.com/app:3.1', digest: `sha512:${appId}` },
  });
});

test('a missing dependency is named; no store at all says to pass one', async () => {
  const e1 = await failure(openAci(appAci, { platform }));
  assert.is(e1.kind, 'missing-dependency');
  assert.match(e1.message, 'example.com/base version=1.0');
  assert.match(e1.hint!, '--aci-store');
  const partial = mkdtempSync(join(work, 'partial-'));
  execFileSync('cp', [join(store, 'base.aci'), partial]);
  const e2 = await failure(openAci(appAci, { platform, aciStore: partial }));
  assert.match(e2.message, 'example.com/core');
  assert.match(e2.message, `imageID sha512-${coreId}`);
});

test('extra top-level entries and a missing manifest are refused naming the file', async () => {
  const extra = join(work, 'extra.aci');
  makeAci(extra, { name: 'example.com/extra' }, { a: 'a\n' }, 'gzip', 'README');
  const e = await failure(openAci(extra, { platform }));
  assert.is(e.kind, 'bad-archive');
  assert.match(e.message, '"README"');
  const other = join(work, 'arm.aci');
  makeAci(other, { name: 'example.com/arm', labels: [label('os', 'linux'), label('arch', 'aarch64')] }, { a: 'a\n' });
  assert.is((await failure(openAci(other, { platform }))).kind, 'platform');
});

if (process.getuid?.() === 0) {
  test('cc-build convert aci: equals tar -x of each rootfs/ in dependency order; run config resolved', async () => {
    const image = join(work, 'app.ext4');
    const r = convert(`aci:${appAci}`, image, ['--aci-store', store]);
    assert.is(r.status, 0, r.stderr);
    const ref = mkdtempSync(join(work, 'ref-'));
    for (const aci of [join(store, 'core.aci'), join(store, 'base.aci'), appAci]) {
      execFileSync('tar', ['--same-owner', '-xpf', aci, '-C', ref, '--strip-components=1', 'rootfs']);
    }
    // --strip-components drops the rootfs/ entry itself: give the root what the app's rootfs/ says.
    execFileSync('sh', ['-c', 'chmod 755 "$1" && touch -d @1700000000 "$1"', 'sh', ref]);
    assertFsckClean(image);
    const got = await withMount(image, (dir) => {
      assert.equal(JSON.parse(readFileSync(join(dir, IMAGE_CONFIG_PATH), 'utf8')), r.json.runConfig);
      return snapshotDir(dir, ['/.cc', '/lost+found']);
    });
    const diff = diffSnapshots(got, snapshotDir(ref));
    assert.equal(diff, [], diff.join('\n'));
    assert.is(readFileSync(join(ref, 'shared'), 'utf8'), 'from app\n');
    assert.is(readFileSync(join(ref, 'bin/tool'), 'utf8'), 'base tool\n');
    assert.equal(r.json.runConfig.user, { uid: 500, gid: 500, name: 'svc', group: 'svc', additionalGids: [77] });
  });

  test('pathWhitelist keeps only the listed files (and the directories above them)', async () => {
    const wl = join(work, 'wl.aci');
    makeAci(wl, { name: 'example.com/wl', ...app, pathWhitelist: ['/bin/tool', '/shared', '/etc/passwd', '/etc/group', '/srv/app-file'] }, appFiles, 'gzip');
    const image = join(work, 'wl.ext4');
    const r = convert(`aci:${wl}`, image, ['--aci-store', store]);
    assert.is(r.status, 0, r.stderr);
    const paths = await withMount(image, (dir) => [...snapshotDir(dir, ['/.cc', '/lost+found']).entries.keys()].sort());
    assert.equal(paths, ['/', '/bin', '/bin/tool', '/etc', '/etc/group', '/etc/passwd', '/shared', '/srv', '/srv/app-file']);
  });

  test('bad ACIs fail the CLI with one line and leave nothing behind', () => {
    const dir = mkdtempSync(join(work, 'out-'));
    for (const [source, culprit] of [[`aci:${join(work, 'extra.aci')}`, 'README'], [`aci:${appAci}`, 'example.com/base']]) {
      const r = convert(source, join(dir, 'x.ext4'));
      assert.is.not(r.status, 0);
      assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, culprit);
      assert.equal(readdirSync(dir), []);
    }
  });
} else if (process.env.CI === 'true') {
  throw new Error('ACI conversion tests need root (loop mounts) in CI');
}

test.run();
