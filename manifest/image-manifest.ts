// The one format both halves share: what cc-build writes and cc-run reads.
// The builder never imports the runtime and the runtime never imports the builder; both import this.

/** Where `cc-build convert` stores an app image's run configuration, inside the image. */
export const IMAGE_CONFIG_PATH = '/.cc/image.json';

/** The run configuration of a converted container image, normalised from OCI / Docker / appc. */
export interface ImageRunConfig {
  schema: 'cc.image.v1';
  /** entrypoint followed by cmd, already split as the image declared them. */
  entrypoint: string[];
  cmd: string[];
  /** KEY=VALUE, PATH defaulted as the specs say. */
  env: string[];
  workingDir: string;
  /** Names resolved against the image's /etc/passwd and /etc/group at conversion time. */
  user: { uid: number; gid: number; name?: string; group?: string; additionalGids?: number[] };
  exposedPorts: string[];
  labels: Record<string, string>;
  /** Where it came from: the image's name in its source (ref.name, RepoTag, ACI name:version) and the
   *  manifest (docker-archive: config; ACI: image ID) digest; no path, so every transport of one image agrees. */
  source: { ref: string; digest: string };
}

/** Written beside the outputs of a build as NAME.json: what cc-run needs to boot them. */
export interface BuildManifest {
  schema: 'cc.build.v1';
  name: string;
  image?: { path: string; sha256: string; size: number };
  kernel?: { path: string; sha256: string; size: number; configHash?: string };
  /** Kernel command line the guest should boot with (cc-run appends its own extras). */
  cmdline: string;
  defaults: { memory?: string; cpus?: number };
  recipeSha256?: string;
}
