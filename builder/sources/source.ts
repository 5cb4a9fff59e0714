// The seam between where a file tree comes from and how it becomes an image.
// Every source (a rootfs tarball, OCI layout/archive, docker-archive, appc ACI, mmdebstrap)
// is a list of tar streams applied in order onto one tree, plus an optional run configuration.
import type { Readable } from 'node:stream';
import type { ImageRunConfig } from '../../manifest/image-manifest.js';

/** One tar stream to apply onto the tree, in order. */
export interface Layer {
  /** Names the layer in errors and progress: a digest, a file name, an ACI name. */
  name: string;
  /** Opens the layer as an uncompressed tar stream (digests verified while it streams). */
  open(): Promise<Readable>;
  /** Whether `.wh.NAME` and `.wh..wh..opq` entries are OCI whiteouts. */
  whiteouts: boolean;
  /** Tar paths to keep (appc `rootfs/` prefix and pathWhitelist); undefined keeps all. */
  mapPath?: (path: string) => string | null;
}

/** The run configuration as the source declares it, before names are resolved against the tree. */
export type DeclaredRunConfig = Omit<ImageRunConfig, 'user'> & { user: string };

export interface RootfsSource {
  /** The source as the user wrote it, e.g. `oci:./layout:latest`. */
  ref: string;
  layers(): AsyncIterable<Layer>;
  /** Null for plain rootfs tarballs: they carry no run configuration. */
  runConfig(): Promise<DeclaredRunConfig | null>;
  /** Release open files (archives read in place). */
  close(): Promise<void>;
}

/** Opens a source given without its transport prefix. */
export type SourceOpener = (spec: string, options: SourceOptions) => Promise<RootfsSource>;

export interface SourceOptions {
  /** appc dependency store (`--aci-store`). */
  aciStore?: string;
  /** Platform to select from image indexes. */
  platform: { os: string; architecture: string; variant?: string };
}
