// `aci:FILE`: an appc image archive (tar, plain or gzip/bzip2/xz) holding `manifest` and
// `rootfs/`. Dependencies come from `--aci-store DIR` and are applied depth-first before the
// image that needs them (appc spec, "Dependency Matching"); `pathWhitelist` filters the result.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import tarStream from 'tar-stream';
import { chain, formatDigest, parseJsonObject, VerifyStream, type Digest } from './blob.js';
import { decompress } from '../tar/decompress.js';
import { withDefaultPath } from './image-config.js';
import { insideRoot } from './layer-path.js';
import type { DeclaredRunConfig, Layer, RootfsSource, SourceOpener, SourceOptions } from './source.js';
import { SourceError } from './errors.js';

interface NameValue { name: string; value: string }

export interface AciManifest {
  acKind: 'ImageManifest';
  name: string;
  labels?: NameValue[];
  app?: {
    exec?: string[];
    user?: string;
    group?: string;
    workingDirectory?: string;
    environment?: NameValue[];
    ports?: { name: string; port: number; protocol: string }[];
  };
  dependencies?: { imageName: string; imageID?: string; labels?: NameValue[] }[];
  pathWhitelist?: string[];
  annotations?: NameValue[];
}

/** An archive on disk with its manifest and image ID (sha512 of the uncompressed tar). */
interface AciFile {
  file: string;
  manifest: AciManifest;
  imageId: Digest;
}

/** Tar path → path inside rootfs/ ('.' for rootfs itself), or null for `manifest`. */
function rootfsPath(tarPath: string): string | null {
  const p = tarPath.replace(/^(\.\/)+/, '').replace(/^\/+/, '').replace(/\/+$/, '');
  if (p === 'rootfs') return '.';
  return p.startsWith('rootfs/') ? p.slice('rootfs/'.length) : null;
}

class HashTap extends Transform {
  readonly hash = createHash('sha512');
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback) { this.hash.update(chunk); cb(null, chunk); }
}

/** Reads an ACI once: checks its top level, parses its manifest and hashes it. */
export async function scanAci(file: string): Promise<AciFile> {
  const st = await stat(file).catch(() => null);
  if (!st?.isFile()) throw new SourceError('not-found', `${file}: no such ACI file`);
  const tap = new HashTap();
  const tar = chain([(await decompress(createReadStream(file), file)).stream, tap]);
  const extract = tarStream.extract();
  tar.on('error', (err) => extract.destroy(err));
  tar.pipe(extract);
  let manifestBytes: Buffer | undefined;
  let hasRootfs = false;
  try {
    for await (const entry of extract) {
      const name = entry.header.name.replace(/^(\.\/)+/, '').replace(/^\/+/, '').replace(/\/+$/, '');
      if (name === 'manifest' && entry.header.type === 'file') {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        manifestBytes = Buffer.concat(chunks);
        continue;
      }
      if (name === 'rootfs' || name.startsWith('rootfs/')) hasRootfs = true;
      else if (name !== '' && name !== '.') {
        throw new SourceError('bad-archive', `${file}: unexpected top-level entry ${JSON.stringify(entry.header.name)} in an ACI`,
          'an ACI holds only `manifest` and `rootfs/`');
      }
      entry.resume();
    }
  } catch (err) {
    tar.destroy();
    if (err instanceof SourceError) throw err;
    throw new SourceError('bad-archive', `${file}: not a readable ACI: ${(err as Error).message}`, undefined, { cause: err });
  }
  if (!manifestBytes) throw new SourceError('bad-archive', `${file}: ACI has no manifest`);
  if (!hasRootfs) throw new SourceError('bad-archive', `${file}: ACI has no rootfs/`);
  const manifest = parseJsonObject(manifestBytes, `${file}: manifest`) as unknown as AciManifest;
  if (manifest.acKind !== 'ImageManifest' || typeof manifest.name !== 'string') {
    throw new SourceError('bad-json', `${file}: manifest: not an appc ImageManifest (acKind, name)`);
  }
  return { file, manifest, imageId: { algorithm: 'sha512', hex: tap.hash.digest('hex') } };
}

const labelOf = (labels: NameValue[] | undefined, name: string) => labels?.find((l) => l.name === name)?.value;

function describeDependency(d: NonNullable<AciManifest['dependencies']>[number]): string {
  const labels = (d.labels ?? []).map((l) => `${l.name}=${l.value}`);
  return [d.imageName, ...labels, d.imageID ? `imageID ${d.imageID}` : ''].filter(Boolean).join(' ');
}

/** The ACIs of an `--aci-store` directory, scanned lazily once. */
class AciStore {
  private scanned: Promise<AciFile[]> | undefined;
  constructor(readonly dir: string | undefined) {}
  all(): Promise<AciFile[]> {
    this.scanned ??= (async () => {
      if (!this.dir) return [];
      const names = await readdir(this.dir).catch((err: NodeJS.ErrnoException) => {
        throw new SourceError('not-found', `--aci-store ${this.dir}: ${err.code ?? err.message}`);
      });
      const out: AciFile[] = [];
      for (const n of names.sort()) {
        const p = join(this.dir, n);
        if ((await stat(p)).isFile()) out.push(await scanAci(p));
      }
      return out;
    })();
    return this.scanned;
  }
  async resolve(dep: NonNullable<AciManifest['dependencies']>[number], neededBy: string): Promise<AciFile> {
    const found = (await this.all()).find((a) =>
      a.manifest.name === dep.imageName
      && (dep.labels ?? []).every((l) => labelOf(a.manifest.labels, l.name) === l.value)
      && (!dep.imageID || `sha512-${a.imageId.hex}`.startsWith(dep.imageID)));
    if (!found) {
      throw new SourceError('missing-dependency', `${neededBy}: dependency ${describeDependency(dep)} not found${this.dir ? ` in --aci-store ${this.dir}` : ''}`,
        this.dir ? 'put the dependency ACI in the store' : 'pass --aci-store DIR holding its dependencies');
    }
    return found;
  }
}

/** Whether `path` survives `whitelist`: listed, or a directory above a listed path. */
function whitelisted(path: string, whitelist: Set<string>, dirs: Set<string>): boolean {
  const abs = path === '.' ? '/' : `/${path}`;
  return abs === '/' || whitelist.has(abs) || dirs.has(abs);
}

function whitelistFilter(lists: string[][]): ((path: string) => boolean) | undefined {
  if (lists.length === 0) return undefined;
  const sets = lists.map((list) => {
    const files = new Set(list.map((p) => `/${p.replace(/^\/+/, '').replace(/\/+$/, '')}`));
    const dirs = new Set<string>();
    for (const f of files) for (let i = f.lastIndexOf('/'); i > 0; i = f.lastIndexOf('/', i - 1)) dirs.add(f.slice(0, i));
    return { files, dirs };
  });
  return (path) => sets.every((s) => whitelisted(path, s.files, s.dirs));
}

function aciLayer(aci: AciFile, whitelists: string[][]): Layer {
  const keep = whitelistFilter(whitelists);
  const name = `${aci.file} (${aci.manifest.name})`;
  return {
    name,
    whiteouts: false,
    mapPath: (tarPath) => {
      const p = rootfsPath(tarPath);
      return p !== null && insideRoot(p, name) && (!keep || keep(p)) ? p : null;
    },
    async open(): Promise<Readable> {
      const tar = (await decompress(createReadStream(aci.file), aci.file)).stream;
      return chain([tar, new VerifyStream(name, { digest: aci.imageId })]);
    },
  };
}

/** Depth-first: each dependency (its own dependencies first) in order, then the image. */
async function layersOf(aci: AciFile, store: AciStore, whitelists: string[][], seen: string[]): Promise<Layer[]> {
  if (seen.includes(aci.imageId.hex)) throw new SourceError('missing-dependency', `${aci.file}: dependency cycle through ${aci.manifest.name}`);
  const own = aci.manifest.pathWhitelist?.length ? [...whitelists, aci.manifest.pathWhitelist] : whitelists;
  const out: Layer[] = [];
  for (const dep of aci.manifest.dependencies ?? []) {
    out.push(...await layersOf(await store.resolve(dep, `${aci.file} (${aci.manifest.name})`), store, own, [...seen, aci.imageId.hex]));
  }
  out.push(aciLayer(aci, own));
  return out;
}

export function declaredFromAci(aci: AciFile): DeclaredRunConfig {
  const app = aci.manifest.app ?? {};
  const labels: Record<string, string> = {};
  for (const l of [...(aci.manifest.labels ?? []), ...(aci.manifest.annotations ?? [])]) labels[l.name] = l.value;
  const user = app.user ?? '';
  return {
    schema: 'cc.image.v1',
    entrypoint: app.exec ?? [],
    cmd: [],
    env: withDefaultPath((app.environment ?? []).map((e) => `${e.name}=${e.value}`)),
    workingDir: app.workingDirectory || '/',
    user: app.group ? `${user || '0'}:${app.group}` : user,
    exposedPorts: (app.ports ?? []).map((p) => `${p.port}/${p.protocol}`).sort(),
    labels,
    source: { ref: [aci.manifest.name, labelOf(aci.manifest.labels, 'version')].filter(Boolean).join(':'), digest: formatDigest(aci.imageId) },
  };
}

function checkPlatform(aci: AciFile, platform: SourceOptions['platform']): void {
  const os = labelOf(aci.manifest.labels, 'os');
  const arch = labelOf(aci.manifest.labels, 'arch');
  if ((os && os !== platform.os) || (arch && arch !== platform.architecture)) {
    throw new SourceError('platform', `${aci.file}: ACI is for ${os ?? '?'}/${arch ?? '?'}, not ${platform.os}/${platform.architecture}`);
  }
}

export const openAci: SourceOpener = async (spec, options): Promise<RootfsSource> => {
  const aci = await scanAci(spec);
  checkPlatform(aci, options.platform);
  const layers = await layersOf(aci, new AciStore(options.aciStore), [], []);
  const runConfig = declaredFromAci(aci);
  return {
    ref: `aci:${spec}`,
    async *layers() { yield* layers; },
    async runConfig() { return runConfig; },
    close: async () => {},
  };
};
