// Builds the container images the source tests convert, with the real tools users have:
// umoci (layers from a root-owned rootfs, so devices and owners survive), GNU tar + setcap
// (a layer umoci cannot make: a security.capability xattr and an opaque directory, added
// with `umoci raw add-layer`), zstd (a zstd-layer copy), skopeo (oci-archive and
// docker-archive copies). Needs root. Usage: node dist/scripts/make-oci-fixtures.js OUTDIR
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { $ } from 'zx';

$.verbose = false;

export interface OciFixtures {
  /** OCI layout with tags base, l1…l4 (the build steps), final, zstd, plain, multi, arm-only. */
  layout: string;
  /** skopeo copy of `final` to oci-archive (tag final) and docker-archive (fixture:final). */
  ociArchive: string;
  dockerArchive: string;
  /** `umoci unpack` (as root) of `final`: the reference tree. */
  unpacked: string;
}

interface Desc { mediaType: string; digest: string; size: number; platform?: object; annotations?: Record<string, string> }

const readBlob = (layout: string, digest: string) => readFile(join(layout, 'blobs', ...digest.split(':')));

async function tagDescriptor(layout: string, tag: string, desc: Desc): Promise<void> {
  const indexPath = join(layout, 'index.json');
  const index = JSON.parse(await readFile(indexPath, 'utf8'));
  index.manifests = index.manifests.filter((m: Desc) => m.annotations?.['org.opencontainers.image.ref.name'] !== tag);
  index.manifests.push({ ...desc, annotations: { 'org.opencontainers.image.ref.name': tag } });
  await writeFile(indexPath, JSON.stringify(index));
}

async function manifestOf(layout: string, tag: string): Promise<Desc> {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'));
  return index.manifests.find((m: Desc) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
}

/** Layer 1: every entry kind, owners, modes, xattrs, hard links, nanosecond mtimes. */
async function populateBase(r: string): Promise<void> {
  await $`mkdir -p ${r}/etc ${r}/bin ${r}/dev ${r}/tmp ${r}/data/gone/sub ${r}/data/dir-to-file/child ${r}/data/opq/keep-not ${r}/home/app`;
  await writeFile(join(r, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n');
  await writeFile(join(r, 'etc/group'), 'root:x:0:\nstaff:x:50:app\napp:x:1000:\n');
  await writeFile(join(r, 'bin/hello'), '#!/bin/sh\necho hello "$@"\n', { mode: 0o755 });
  await writeFile(join(r, 'data/file.txt'), 'some text\n');
  await writeFile(join(r, 'data/old'), 'deleted in layer 2\n');
  await writeFile(join(r, 'data/file-to-dir'), 'becomes a directory in layer 2\n');
  await writeFile(join(r, 'data/dir-to-file/child/x'), 'x\n');
  await writeFile(join(r, 'data/gone/sub/y'), 'y\n');
  await writeFile(join(r, 'data/opq/old1'), 'hidden by an opaque marker\n');
  await writeFile(join(r, 'data/hl-a'), 'linked content\n');
  await writeFile(join(r, 'data/holes'), Buffer.concat([Buffer.alloc(1 << 20), Buffer.from('tail')]));
  await writeFile(join(r, 'data/random.bin'), createHash('sha512').update('seed').digest().toString('hex').repeat(4096));
  await writeFile(join(r, `data/${'long-name-'.repeat(12)}end`), 'a name over 100 bytes\n');
  await writeFile(join(r, 'data/space and ünïcode'), 'odd name\n');
  await $`ln ${r}/data/hl-a ${r}/data/hl-b`;
  await $`ln -s file.txt ${r}/data/link && ln -s /etc/passwd ${r}/data/abs-link && ln -s missing ${r}/data/dangling`;
  await $`mknod ${r}/dev/null c 1 3 && mknod ${r}/dev/loop9 b 7 9 && mkfifo ${r}/dev/fifo`;
  await $`cp ${r}/bin/hello ${r}/bin/suid && chmod 4755 ${r}/bin/suid && chmod 2755 ${r}/home/app && chmod 1777 ${r}/tmp`;
  await $`chown -R 1000:1000 ${r}/home/app && chown 1000:50 ${r}/data/random.bin && chown 123456:654321 ${r}/data/old`;
  await $`setfattr -n user.note -v hello-xattr ${r}/data/file.txt`;
  await $`touch -h -d @1600000000.123456789 ${r}/data/file.txt ${r}/data/link ${r}/dev/null`;
}

/** Layer 2: deletions (whiteouts), a dir becomes a file and a file a dir, a hard link to a lower file, owner change. */
async function changeLayer2(r: string): Promise<void> {
  await $`rm ${r}/data/old && rm -r ${r}/data/gone ${r}/data/dir-to-file ${r}/data/file-to-dir`;
  await writeFile(join(r, 'data/dir-to-file'), 'now a file\n');
  await $`mkdir -p ${r}/data/file-to-dir/inner`;
  await writeFile(join(r, 'data/file-to-dir/inner/z'), 'z\n');
  await $`ln ${r}/data/hl-a ${r}/data/hl-c`;
  await $`chown 1000:50 ${r}/data/file.txt && chmod 0640 ${r}/data/file.txt`;
}

/** Layer 3: the file becomes a directory again, a file changes content. */
async function changeLayer3(r: string): Promise<void> {
  await $`rm ${r}/data/dir-to-file && mkdir -p ${r}/data/dir-to-file/again`;
  await writeFile(join(r, 'data/dir-to-file/again/w'), 'w\n');
  await writeFile(join(r, 'bin/hello'), '#!/bin/sh\necho "hello, $GREETING" "$@"\n');
}

/** Layer 4, made with GNU tar: a security.capability xattr and an opaque directory. */
async function craftLayer4(work: string): Promise<string> {
  const s = join(work, 'layer4');
  await $`mkdir -p ${s}/bin ${s}/data/opq`;
  await writeFile(join(s, 'bin/ping-cap'), '#!/bin/sh\necho ping\n', { mode: 0o755 });
  await $`setcap cap_net_raw+ep ${s}/bin/ping-cap`;
  await writeFile(join(s, 'data/opq/.wh..wh..opq'), '');
  await writeFile(join(s, 'data/opq/new'), 'after the opaque marker\n');
  await $`touch -d @1650000000 ${s}/bin ${s}/data ${s}/data/opq ${s}/bin/ping-cap ${s}/data/opq/new ${s}/data/opq/.wh..wh..opq`;
  const tar = join(work, 'layer4.tar');
  await $`tar --xattrs --xattrs-include=* --numeric-owner --format=pax -C ${s} -cf ${tar} bin data`;
  return tar;
}

/** Stores a blob under its sha256 or sha512 digest. */
async function putBlob(layout: string, data: Buffer, mediaType: string, algorithm: 'sha256' | 'sha512' = 'sha256'): Promise<Desc> {
  const hex = createHash(algorithm).update(data).digest('hex');
  await mkdir(join(layout, 'blobs', algorithm), { recursive: true });
  await writeFile(join(layout, 'blobs', algorithm, hex), data);
  return { mediaType, digest: `${algorithm}:${hex}`, size: data.length };
}

/**
 * A copy of `final` tagged `tag` whose layers are stored another way (umoci 0.4 writes only
 * gzip and sha256): `zstd` has zstd layers, `plain` uncompressed layers and sha512 digests.
 */
async function recompressedCopy(layout: string, tag: 'zstd' | 'plain'): Promise<void> {
  const md = await manifestOf(layout, 'final');
  const manifest = JSON.parse((await readBlob(layout, md.digest)).toString());
  const algorithm = tag === 'plain' ? 'sha512' : 'sha256';
  const layers: Desc[] = [];
  for (const l of manifest.layers as Desc[]) {
    const tar = gunzipSync(await readBlob(layout, l.digest));
    layers.push(tag === 'zstd'
      ? await putBlob(layout, execFileSync('zstd', ['-q', '-c', '-3'], { input: tar, maxBuffer: 1 << 30 }), 'application/vnd.oci.image.layer.v1.tar+zstd', algorithm)
      : await putBlob(layout, tar, 'application/vnd.oci.image.layer.v1.tar', algorithm));
  }
  const desc = await putBlob(layout, Buffer.from(JSON.stringify({ ...manifest, layers })), 'application/vnd.oci.image.manifest.v1+json', algorithm);
  await tagDescriptor(layout, tag, desc);
}

/** `multi`: index → index → {arm64, amd64}; `arm-only`: an index with an arm64 manifest only. */
async function indexes(layout: string): Promise<void> {
  const md = await manifestOf(layout, 'final');
  const plain = { mediaType: md.mediaType, digest: md.digest, size: md.size };
  const indexType = 'application/vnd.oci.image.index.v1+json';
  const inner = await putBlob(layout, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: indexType, manifests: [
    { ...plain, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { ...plain, platform: { os: 'linux', architecture: 'amd64' } },
  ] })), indexType);
  const outer = await putBlob(layout, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: indexType, manifests: [inner] })), indexType);
  await tagDescriptor(layout, 'multi', outer);
  const arm = await putBlob(layout, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: indexType, manifests: [
    { ...plain, platform: { os: 'linux', architecture: 'arm64' } },
  ] })), indexType);
  await tagDescriptor(layout, 'arm-only', arm);
}

export async function makeOciFixtures(out: string): Promise<OciFixtures> {
  if (process.getuid?.() !== 0) throw new Error('make-oci-fixtures needs root (device nodes, owners)');
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const layout = join(out, 'layout');
  // umoci repack diffs against the bundle's unpacked image: unpack each step afresh.
  const step = async (from: string, to: string, change: (rootfs: string) => Promise<void>) => {
    const bundle = join(out, `bundle-${to}`);
    await $`umoci unpack --image ${layout}:${from} ${bundle}`;
    await change(join(bundle, 'rootfs'));
    await $`umoci repack --image ${layout}:${to} ${bundle}`;
    await rm(bundle, { recursive: true });
  };
  await $`umoci init --layout ${layout} && umoci new --image ${layout}:base`;
  await step('base', 'l1', populateBase);
  await step('l1', 'l2', changeLayer2);
  await step('l2', 'l3', changeLayer3);
  await $`umoci raw add-layer --image ${layout}:l3 --tag l4 ${await craftLayer4(out)}`;
  await $`umoci config --image ${layout}:l4 --tag final --config.entrypoint /bin/hello --config.cmd world \
    --config.env GREETING=hi --config.user app:staff --config.workingdir /data \
    --config.exposedports 8080/tcp --config.label org.example.fixture=yes`;
  await recompressedCopy(layout, 'zstd');
  await recompressedCopy(layout, 'plain');
  await indexes(layout);
  const unpacked = join(out, 'unpacked');
  await $`umoci unpack --image ${layout}:final ${unpacked}`;
  const ociArchive = join(out, 'fixture.oci.tar');
  const dockerArchive = join(out, 'fixture.docker.tar');
  await $`skopeo copy --quiet oci:${layout}:final oci-archive:${ociArchive}:final`;
  await $`skopeo copy --quiet oci:${layout}:final docker-archive:${dockerArchive}:fixture:final`;
  return { layout, ociArchive, dockerArchive, unpacked: join(unpacked, 'rootfs') };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: make-oci-fixtures OUTDIR');
    process.exit(2);
  }
  console.log(JSON.stringify(await makeOciFixtures(out), null, 2));
}
