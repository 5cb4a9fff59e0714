// `oci-archive:FILE[:REF]`: an OCI image layout inside a tar, read in place by byte ranges.
import { splitPathRef } from './oci.js';
import { layoutSource } from './oci-layout.js';
import type { SourceOpener } from './source.js';
import { TarIndex } from './tar-index.js';

export const openOciArchive: SourceOpener = async (spec, options) => {
  const { path, ref } = splitPathRef(spec);
  const tar = await TarIndex.open(path);
  const blob = (d: { algorithm: string; hex: string }) => tar.get(`blobs/${d.algorithm}/${d.hex}`);
  return layoutSource({
    label: path,
    readTop: async (name) => {
      const m = tar.get(name);
      if (!m) return null;
      const chunks: Buffer[] = [];
      for await (const c of tar.read(m)) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
    blobSize: async (d) => blob(d)?.size ?? null,
    // blobSize has found every blob before any is opened.
    openBlob: (d) => tar.read(blob(d)!),
    close: () => tar.close(),
  }, ref, `oci-archive:${spec}`, options);
};
