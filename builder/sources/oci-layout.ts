// An OCI image layout, wherever its files live (a directory, a tar read in place): reads
// oci-layout and index.json, picks the manifest by ref and platform through nested indexes,
// and yields the layers as verified, decompressed tar streams.
import type { Readable } from 'node:stream';
import { chain, formatDigest, parseDigest, parseJsonObject, readVerified, VerifyStream, type Digest } from './blob.js';
import { decompress } from '../tar/decompress.js';
import { declaredFromImageConfig } from './image-config.js';
import { insideRoot } from './layer-path.js';
import type { DeclaredRunConfig, Layer, RootfsSource, SourceOptions } from './source.js';
import { SourceError } from './errors.js';

/** Where a layout's files are: the top-level files and the blobs by digest. */
export interface LayoutFiles {
  /** Names the layout in errors (the path the user gave). */
  label: string;
  /** A top-level file (`oci-layout`, `index.json`), or null when absent. */
  readTop(name: string): Promise<Buffer | null>;
  /** Size of `blobs/ALG/HEX`, or null when absent. */
  blobSize(digest: Digest): Promise<number | null>;
  openBlob(digest: Digest): Readable;
  close(): Promise<void>;
}

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

/** Layer media types we apply (tar, gzip, zstd; the compression itself is told by the blob's magic bytes). */
const LAYER_MEDIA_TYPES = new Set([
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.diff.tar',
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
]);

export const REF_ANNOTATION = 'org.opencontainers.image.ref.name';

interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations: Record<string, string>;
}

function descriptor(value: unknown, where: string): Descriptor {
  const d = value as Record<string, unknown> | null;
  if (typeof d !== 'object' || d === null) throw new SourceError('bad-json', `${where}: descriptor must be an object`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new SourceError('bad-json', `${where}: descriptor size must be a non-negative integer`);
  }
  return {
    mediaType: typeof d.mediaType === 'string' ? d.mediaType : '',
    digest: parseDigest(d.digest, `${where}.digest`),
    size: d.size,
    platform: d.platform as Descriptor['platform'],
    annotations: (d.annotations ?? {}) as Record<string, string>,
  };
}

function descriptors(doc: Record<string, unknown>, field: string, where: string): Descriptor[] {
  const list = doc[field];
  if (!Array.isArray(list)) throw new SourceError('bad-json', `${where}: ${field} must be a list`);
  return list.map((d, i) => descriptor(d, `${where} ${field}[${i}]`));
}

const platformName = (p: Descriptor['platform']) => (p ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : 'unspecified');

function platformMatches(p: { os?: unknown; architecture?: unknown; variant?: unknown }, want: SourceOptions['platform']): boolean {
  return p.os === want.os && p.architecture === want.architecture && (!want.variant || p.variant === want.variant);
}

export class OciLayout {
  constructor(readonly files: LayoutFiles, private readonly options: SourceOptions) {}

  private blobName(d: Digest) {
    return `${this.files.label}: blob ${formatDigest(d)}`;
  }

  /** Checks a blob exists with the descriptor's size (before anything is written). */
  private async checkBlob(d: Descriptor, what: string): Promise<void> {
    const size = await this.files.blobSize(d.digest);
    if (size === null) {
      throw new SourceError('missing-blob', `${this.blobName(d.digest)} (${what}) is missing`, 'the layout is incomplete; copy the image again');
    }
    if (size !== d.size) {
      throw new SourceError('size-mismatch', `${this.blobName(d.digest)} (${what}): size mismatch: descriptor says ${d.size} bytes, blob has ${size}`);
    }
  }

  /** Reads and verifies a small JSON blob. */
  async readJson(d: Descriptor, what: string): Promise<Record<string, unknown>> {
    await this.checkBlob(d, what);
    const name = `${this.blobName(d.digest)} (${what})`;
    return parseJsonObject(await readVerified(this.files.openBlob(d.digest), name, { digest: d.digest, size: d.size }), name);
  }

  async readTopJson(name: string): Promise<Record<string, unknown>> {
    const data = await this.files.readTop(name);
    if (!data) {
      throw new SourceError('bad-layout', `${this.files.label}: not an OCI image layout (no ${name})`,
        'make one with `skopeo copy docker://IMAGE oci:DIR:TAG` or `umoci init`');
    }
    return parseJsonObject(data, `${this.files.label}/${name}`);
  }

  /**
   * Finds the image manifest for `ref` (a ref.name annotation or a digest) and the platform;
   * `name` is what the image is called inside the layout (its ref.name, else its digest).
   */
  async selectManifest(ref: string | undefined): Promise<{ manifest: Descriptor; name: string }> {
    const layout = await this.readTopJson('oci-layout');
    if (typeof layout.imageLayoutVersion !== 'string' || !layout.imageLayoutVersion.startsWith('1.')) {
      throw new SourceError('bad-layout', `${this.files.label}/oci-layout: unsupported imageLayoutVersion ${JSON.stringify(layout.imageLayoutVersion)}`);
    }
    const index = await this.readTopJson('index.json');
    const top = descriptors(index, 'manifests', `${this.files.label}/index.json`);
    const refs = top.map((d) => d.annotations[REF_ANNOTATION] ?? formatDigest(d.digest));
    let chosen: Descriptor | undefined;
    if (ref === undefined) {
      if (top.length !== 1) {
        throw new SourceError('ref', top.length === 0
          ? `${this.files.label}: index.json lists no images`
          : `${this.files.label}: holds ${top.length} images, name one: ${refs.join(', ')}`,
          top.length ? `e.g. oci:${this.files.label}:${refs[0]}` : undefined);
      }
      chosen = top[0];
    } else {
      chosen = /^sha(256|512):/.test(ref)
        ? top.find((d) => formatDigest(d.digest) === ref)
        : top.find((d) => d.annotations[REF_ANNOTATION] === ref);
      if (!chosen) {
        throw new SourceError('ref', `${this.files.label}: no image named ${JSON.stringify(ref)} in index.json`,
          refs.length ? `it holds: ${refs.join(', ')}` : 'index.json lists no images');
      }
    }
    return {
      manifest: await this.resolvePlatform(chosen!, 0),
      name: chosen!.annotations[REF_ANNOTATION] ?? formatDigest(chosen!.digest),
    };
  }

  private async resolvePlatform(d: Descriptor, depth: number): Promise<Descriptor> {
    if (d.platform && !platformMatches(d.platform, this.options.platform)) {
      throw this.platformError(`image ${formatDigest(d.digest)} is for ${platformName(d.platform)}`);
    }
    const isIndex = d.mediaType === MEDIA.ociIndex || d.mediaType === MEDIA.dockerList;
    if (!isIndex) return d;
    if (depth > 8) throw new SourceError('bad-layout', `${this.files.label}: image indexes nested deeper than 8`);
    const index = await this.readJson(d, 'image index');
    const list = descriptors(index, 'manifests', this.blobName(d.digest));
    const match = list.find((m) => m.platform && platformMatches(m.platform, this.options.platform))
      ?? (list.length === 1 && !list[0]!.platform ? list[0] : undefined);
    if (!match) {
      throw this.platformError(`index ${formatDigest(d.digest)} offers ${list.map((m) => platformName(m.platform)).join(', ') || 'nothing'}`);
    }
    return this.resolvePlatform(match, depth + 1);
  }

  private platformError(what: string): SourceError {
    const want = platformName(this.options.platform);
    return new SourceError('platform', `${this.files.label}: no ${want} image: ${what}`, 'cc-run boots linux/amd64 guests; pull the image for that platform');
  }

  /** Opens the image: reads manifest and config, checks every layer is there and of a known type. */
  async image(ref: string | undefined): Promise<{ layers: Layer[]; runConfig: DeclaredRunConfig }> {
    const { manifest: md, name } = await this.selectManifest(ref);
    if (md.mediaType !== MEDIA.ociManifest && md.mediaType !== MEDIA.dockerManifest && md.mediaType !== '') {
      throw new SourceError('unknown-media-type', `${this.blobName(md.digest)}: unknown manifest media type ${md.mediaType}`);
    }
    const manifest = await this.readJson(md, 'image manifest');
    if (manifest.mediaType !== undefined && manifest.mediaType !== MEDIA.ociManifest && manifest.mediaType !== MEDIA.dockerManifest) {
      throw new SourceError('unknown-media-type', `${this.blobName(md.digest)}: unknown manifest media type ${String(manifest.mediaType)}`);
    }
    const where = this.blobName(md.digest);
    const configDesc = descriptor(manifest.config, `${where} config`);
    if (configDesc.mediaType !== MEDIA.ociConfig && configDesc.mediaType !== MEDIA.dockerConfig) {
      throw new SourceError('unknown-media-type', `${this.blobName(configDesc.digest)}: unknown config media type ${configDesc.mediaType}`);
    }
    const config = await this.readJson(configDesc, 'image config');
    if ((config.os !== undefined || config.architecture !== undefined) && !platformMatches(config, { ...this.options.platform, variant: undefined })) {
      throw this.platformError(`config ${formatDigest(configDesc.digest)} is for ${platformName(config as Descriptor['platform'])}`);
    }
    const layerDescs = descriptors(manifest, 'layers', where);
    const diffIds = diffIdsOf(config, layerDescs.length, this.blobName(configDesc.digest));
    const layers: Layer[] = [];
    for (const [i, ld] of layerDescs.entries()) {
      if (!LAYER_MEDIA_TYPES.has(ld.mediaType)) {
        throw new SourceError('unknown-media-type', `${this.blobName(ld.digest)} (layer ${i}): unknown layer media type ${ld.mediaType || '(none)'}`,
          'supported: tar, tar+gzip, tar+zstd layers');
      }
      await this.checkBlob(ld, `layer ${i}`);
      layers.push(verifiedLayer(this.blobName(ld.digest), () => this.files.openBlob(ld.digest), { digest: ld.digest, size: ld.size }, diffIds[i]));
    }
    return { layers, runConfig: declaredFromImageConfig(config, this.blobName(configDesc.digest), { ref: name, digest: formatDigest(md.digest) }) };
  }
}

/** The config's rootfs.diff_ids: the digest of each layer once decompressed. */
export function diffIdsOf(config: Record<string, unknown>, count: number, name: string): Digest[] {
  const rootfs = config.rootfs as { diff_ids?: unknown } | undefined;
  const ids = rootfs?.diff_ids;
  if (!Array.isArray(ids) || ids.length !== count) {
    throw new SourceError('bad-json', `${name}: rootfs.diff_ids must list ${count} digests, one per layer`);
  }
  return ids.map((id, i) => parseDigest(id, `${name} rootfs.diff_ids[${i}]`));
}

/**
 * A layer whose stored blob is checked against `blob` and whose decompressed tar is checked
 * against `diffId`, both while it streams into the tree.
 */
export function verifiedLayer(name: string, openBlob: () => Readable, blob: { digest?: Digest; size?: number }, diffId: Digest | undefined): Layer {
  return {
    name,
    whiteouts: true,
    mapPath: (path) => insideRoot(path, name),
    async open() {
      const stored = chain([openBlob(), new VerifyStream(name, blob)]);
      const { stream: tar, compression } = await decompress(stored, name);
      return diffId && compression !== 'none' ? chain([tar, new VerifyStream(`${name} (uncompressed)`, { digest: diffId })]) : tar;
    },
  };
}

/** A RootfsSource over an opened layout. */
export async function layoutSource(files: LayoutFiles, ref: string | undefined, sourceRef: string, options: SourceOptions): Promise<RootfsSource> {
  let image: Awaited<ReturnType<OciLayout['image']>>;
  try {
    image = await new OciLayout(files, options).image(ref);
  } catch (err) {
    await files.close();
    throw err;
  }
  return {
    ref: sourceRef,
    async *layers() { yield* image.layers; },
    async runConfig() { return image.runConfig; },
    close: () => files.close(),
  };
}
