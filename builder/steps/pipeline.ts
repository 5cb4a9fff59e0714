// cc-build RECIPE: the build, top to bottom. Each step reads the recipe, does its part or
// returns, and leaves its results in the context; outputs are staged in a folder inside the
// output folder and published together at the end, so a failed build changes nothing there.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Listr } from 'listr2';
import type { BuildManifest } from '../../manifest/image-manifest.js';
import { CacheStore } from '../cache/store.js';
import type { Recipe } from '../recipe/types.js';
import { accounts } from './accounts.js';
import { base } from './base.js';
import { newContext, type BuildContext } from './context.js';
import { BuildError } from './errors.js';
import { files } from './files.js';
import { guestTuning } from './guest-tuning.js';
import { image } from './image.js';
import { kernel } from './kernel.js';
import { manifest, manifestOf } from './manifest.js';
import { publish } from './publish.js';
import { strip } from './strip.js';
import { systemd } from './systemd.js';

export type Step = (ctx: BuildContext) => Promise<void>;

export const STEPS: readonly { title: string; run: Step }[] = [
  { title: 'Base tree', run: base },
  { title: 'Leave out what a guest never reads', run: strip },
  { title: 'Users and groups', run: accounts },
  { title: 'Files', run: files },
  { title: 'systemd units', run: systemd },
  { title: 'Guest tuning', run: guestTuning },
  { title: 'Kernel', run: kernel },
  { title: 'Image', run: image },
  { title: 'Manifest', run: manifest },
  { title: 'Publish', run: publish },
];

export interface BuildOptions {
  /** Output folder (created when missing); default `out`. */
  outDir?: string;
  cache?: CacheStore;
  /** listr2 renderer: `default` for a terminal, `simple` for logs, `silent` for --json and tests. */
  renderer?: 'default' | 'simple' | 'silent';
  signal?: AbortSignal;
}

export interface BuildResult {
  manifest: BuildManifest;
  /** Absolute paths of what was published. */
  outputs: { image: string; kernel: string; manifest: string };
  cached: { image: boolean; kernel: boolean };
  /** Milliseconds per step title, and in total. */
  timings: Record<string, number>;
}

export async function buildRecipe(recipe: Recipe, options: BuildOptions = {}): Promise<BuildResult> {
  const outDir = path.resolve(options.outDir ?? 'out');
  try {
    await fs.mkdir(outDir, { recursive: true });
  } catch (cause) {
    throw new BuildError('output', `cannot create the output folder ${outDir}: ${(cause as NodeJS.ErrnoException).code}`, undefined, { cause });
  }
  const staging = await fs.mkdtemp(path.join(outDir, `.${recipe.name}.staging-`));
  const ctx = newContext({
    recipe,
    recipeSha256: createHash('sha256').update(await fs.readFile(recipe.file)).digest('hex'),
    outDir,
    staging,
    cache: options.cache ?? new CacheStore(),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const timings: Record<string, number> = {};
  const started = performance.now();
  try {
    await new Listr(
      STEPS.map((step) => ({
        title: step.title,
        task: async (_: unknown, task: { output: string }) => {
          ctx.log = (line: string) => (task.output = line);
          const t0 = performance.now();
          await step.run(ctx);
          timings[step.title] = Math.round(performance.now() - t0);
        },
      })),
      // The CLI prints the error once, as one line; the task list only marks the step that failed.
      { renderer: options.renderer ?? 'silent', fallbackRenderer: 'simple', exitOnError: true, rendererOptions: { showErrorMessage: false } } as never,
    ).run();
  } catch (e) {
    if (options.signal?.aborted) throw new BuildError('aborted', 'interrupted', undefined, { cause: e });
    throw e;
  } finally {
    await ctx.closeBase?.();
    await fs.rm(staging, { recursive: true, force: true });
  }
  timings['total'] = Math.round(performance.now() - started);
  const name = recipe.name;
  return {
    manifest: manifestOf(ctx),
    outputs: { image: path.join(outDir, `${name}.ext4`), kernel: path.join(outDir, `${name}.vmlinux`), manifest: path.join(outDir, `${name}.json`) },
    cached: { image: ctx.image?.cached ?? false, kernel: ctx.kernel?.cached ?? false },
    timings,
  };
}
