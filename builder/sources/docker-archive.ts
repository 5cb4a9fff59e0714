// `docker-archive:FILE[:NAME:TAG]`: `docker save` / skopeo output, read in place by byte ranges.
// manifest.json names the config and each layer's member (`HEX/layer.tar` in the legacy
// per-layer directories, `HEX.tar` or `blobs/sha256/HEX` in newer writers).
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { chain, formatDigest, parseDigest, parseJsonObject, VerifyStream, type Digest } from './blob.js';
import { decompress } from '../tar/decompress.js';
import { declaredFromImageConfig } from './image-config.js';
import { insideRoot } from './layer-path.js';
import { diffIdsOf } from './oci-layout.js';
import type { Layer, SourceOpener } from './source.js';
import { SourceError } from './errors.js';
import { TarIndex, type TarMember } from './tar-index.js';

interface ManifestEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

/** `docker.io/library/busybox:latest` and `busybox:latest` name the same image. */
const shortName = (tag: string) => tag.replace(/^docker\.io\//, '').replace(/^library\//, '');

async function readMember(tar: TarIndex, m: TarMember): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of tar.read(m)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The digest a member's name claims (`HEX.json`, `blobs/sha256/HEX`), if it claims one. */
function digestInName(name: string): Digest | undefined {
  const m = /(?:^|\/)(?:blobs\/(sha256|sha512)\/)?([a-f0-9]{64}|[a-f0-9]{128})(?:\.json)?$/.exec(name);
  return m ? parseDigest(`${m[1] ?? 'sha256'}:${m[2]}`, name) : undefined;
}

function selectEntry(entries: ManifestEntry[], ref: string | undefined, label: string): ManifestEntry {
  const tags = entries.map((e, i) => e.RepoTags?.join(' ') || `@${i}`);
  if (ref === undefined) {
    if (entries.length === 1) return entries[0]!;
    throw new SourceError('ref', `${label}: holds ${entries.length} images, name one: ${tags.join(', ')}`,
      `e.g. docker-archive:${label}:${tags[0]}`);
  }
  const byIndex = /^@(\d+)$/.exec(ref);
  const found = byIndex
    ? entries[Number(byIndex[1])]
    : entries.find((e) => (e.RepoTags ?? []).some((t) => t === ref || shortName(t) === shortName(ref)));
  if (!found) throw new SourceError('ref', `${label}: no image tagged ${JSON.stringify(ref)}`, `it holds: ${tags.join(', ')}`);
  return found;
}

export const openDockerArchive: SourceOpener = async (spec, options) => {
  const i = spec.indexOf(':');
  const [path, ref] = i < 0 ? [spec, undefined] : [spec.slice(0, i), spec.slice(i + 1) || undefined];
  const tar = await TarIndex.open(path);
  try {
    const manifestMember = tar.get('manifest.json');
    if (!manifestMember) {
      throw new SourceError('bad-layout', `${path}: not a docker-archive (no manifest.json)`,
        tar.get('repositories') ? 'archives from Docker before 1.10 are not supported; save the image again' : 'make one with `docker save` or `skopeo copy … docker-archive:FILE`');
    }
    const list = JSON.parse((await readMember(tar, manifestMember)).toString('utf8')) as unknown;
    if (!Array.isArray(list) || list.length === 0) throw new SourceError('bad-json', `${path}/manifest.json: expected a non-empty list`);
    const entry = selectEntry(list as ManifestEntry[], ref, path);
    if (typeof entry.Config !== 'string' || !Array.isArray(entry.Layers)) {
      throw new SourceError('bad-json', `${path}/manifest.json: an entry lacks Config or Layers`);
    }
    const configMember = tar.get(entry.Config);
    if (!configMember) throw new SourceError('missing-blob', `${path}: config ${entry.Config} is missing`);
    const configBytes = await readMember(tar, configMember);
    const configDigest: Digest = { algorithm: 'sha256', hex: createHash('sha256').update(configBytes).digest('hex') };
    const claimed = digestInName(entry.Config);
    if (claimed && claimed.hex !== createHash(claimed.algorithm).update(configBytes).digest('hex')) {
      throw new SourceError('digest-mismatch', `${path}: config ${entry.Config}: digest mismatch: content does not hash to its name`);
    }
    const configName = `${path}: config ${entry.Config}`;
    const config = parseJsonObject(configBytes, configName);
    if ((config.os !== undefined || config.architecture !== undefined)
      && (config.os !== options.platform.os || config.architecture !== options.platform.architecture)) {
      throw new SourceError('platform', `${path}: no ${options.platform.os}/${options.platform.architecture} image: config is for ${config.os}/${config.architecture}`,
        'cc-run boots linux/amd64 guests; save the image for that platform');
    }
    const diffIds = diffIdsOf(config, entry.Layers.length, configName);
    const layers: Layer[] = entry.Layers.map((name, n) => {
      const member = tar.get(name);
      if (!member) throw new SourceError('missing-blob', `${path}: layer ${name} is missing`, 'the archive is incomplete; save the image again');
      const label = `${path}: layer ${name}`;
      return {
        name: label,
        whiteouts: true,
        mapPath: (p) => insideRoot(p, label),
        async open(): Promise<Readable> {
          // Layers may be stored compressed (docker load accepts it): verify the tar they hold.
          const tarStream = (await decompress(tar.read(member), label)).stream;
          return chain([tarStream, new VerifyStream(label, { digest: diffIds[n] })]);
        },
      };
    });
    const runConfig = declaredFromImageConfig(config, configName, { ref: entry.RepoTags?.[0] ?? formatDigest(configDigest), digest: formatDigest(configDigest) });
    return {
      ref: `docker-archive:${spec}`,
      async *layers() { yield* layers; },
      async runConfig() { return runConfig; },
      close: () => tar.close(),
    };
  } catch (err) {
    await tar.close();
    if (err instanceof SyntaxError) throw new SourceError('bad-json', `${path}/manifest.json: not valid JSON: ${err.message}`, undefined, { cause: err });
    throw err;
  }
};
