// The mutable state of one build, separate from the frozen recipe: where things are staged, what
// each step produced for the ones after it.
import type { CacheStore } from '../cache/store.js';
import { emptyIndex } from '../overlay/base-index.js';
import { Overlay } from '../overlay/overlay.js';
import { RootView } from '../overlay/root-view.js';
import type { Recipe } from '../recipe/types.js';
import type { Layer } from '../sources/source.js';

export interface Artifact {
  /** Staged file (inside `staging`) until publish renames it into the output folder. */
  staged: string;
  sha256: string;
  size: number;
  cached: boolean;
}

export interface BuildContext {
  readonly recipe: Recipe;
  readonly recipeSha256: string;
  readonly outDir: string;
  /** A fresh folder inside outDir; removed after publish or on failure. */
  readonly staging: string;
  readonly cache: CacheStore;
  /** Ctrl-C: long steps stop and clean up. */
  readonly signal?: AbortSignal;
  /** Progress lines for the running step. */
  log: (line: string) => void;

  /** The base's tar layers, applied first (the strip step may add a path filter). */
  baseLayers: Layer[];
  /** Releases the base source (archives read in place) once the image is written. */
  closeBase?: () => Promise<void>;
  /** Identifies the base content for the image cache. */
  baseKey: string;
  /** Timestamp (seconds) for everything the recipe adds. */
  epoch: number;
  /** The base as the steps see it, with the recipe's overlay on top. */
  root: RootView;
  /** Base paths the strip step leaves out, for the cache key; empty keeps everything. */
  stripped: readonly string[];
  /** Kernel command line, in order: kernel defaults, then the recipe's extras. */
  cmdline: string[];
  kernel?: Artifact & { configHash?: string };
  image?: Artifact;
}

export function newContext(init: Pick<BuildContext, 'recipe' | 'recipeSha256' | 'outDir' | 'staging' | 'cache' | 'signal'>): BuildContext {
  const epoch = Number(process.env['SOURCE_DATE_EPOCH'] ?? 0);
  return {
    ...init,
    log: () => {},
    baseLayers: [],
    baseKey: 'scratch',
    epoch,
    root: new RootView(emptyIndex(), new Overlay(epoch)),
    stripped: [],
    cmdline: [],
  };
}
