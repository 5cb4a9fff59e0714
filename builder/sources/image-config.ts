// The run configuration of an OCI or Docker image config (they share the `config` object),
// as the image declares it; names are resolved against the tree later (builder/runconfig.ts).
import type { DeclaredRunConfig } from './source.js';
import { SourceError } from './errors.js';

/** Docker's and the appc executor's PATH when an image sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function strings(value: unknown, field: string, name: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new SourceError('bad-json', `${name}: ${field} must be a list of strings`);
  }
  return value;
}

/** Adds PATH when the environment lacks it, as Docker and the appc spec do. */
export function withDefaultPath(env: string[]): string[] {
  return env.some((e) => e.startsWith('PATH=')) ? env : [`PATH=${DEFAULT_PATH}`, ...env];
}

export function declaredFromImageConfig(
  imageConfig: Record<string, unknown>,
  name: string,
  source: { ref: string; digest: string },
): DeclaredRunConfig {
  const c = (imageConfig.config ?? {}) as Record<string, unknown>;
  if (typeof c !== 'object' || Array.isArray(c)) throw new SourceError('bad-json', `${name}: config must be an object`);
  const labels = (c.Labels ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== 'string') throw new SourceError('bad-json', `${name}: config.Labels.${k} must be a string`);
  }
  const ports = c.ExposedPorts ?? {};
  if (typeof ports !== 'object' || Array.isArray(ports)) throw new SourceError('bad-json', `${name}: config.ExposedPorts must be an object`);
  return {
    schema: 'cc.image.v1',
    entrypoint: strings(c.Entrypoint, 'config.Entrypoint', name),
    cmd: strings(c.Cmd, 'config.Cmd', name),
    env: withDefaultPath(strings(c.Env, 'config.Env', name)),
    workingDir: typeof c.WorkingDir === 'string' && c.WorkingDir !== '' ? c.WorkingDir : '/',
    user: typeof c.User === 'string' ? c.User : '',
    exposedPorts: Object.keys(ports).sort(),
    labels: labels as Record<string, string>,
    source,
  };
}
