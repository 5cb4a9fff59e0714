// Two shapes of a recipe: what a user writes (kebab-case YAML, most fields optional) and the
// validated, defaulted, deep-frozen Recipe the build reads. Steps only ever see Recipe.

/** What a recipe file may contain, as written (see recipes/README.md, derived from settings.ts). */
export interface RecipeInput {
  name?: string;
  base: 'scratch' | { debian: { suite?: string; variant?: string; packages?: string[]; mirror?: string } } | { image: string };
  files?: { path: string; source?: string; content?: string; mode?: string | number; owner?: string }[];
  users?: { name: string; uid?: number; group?: string; groups?: string[]; home?: string; shell?: string }[];
  groups?: { name: string; gid?: number }[];
  systemd?: { enable?: string[]; disable?: string[]; mask?: string[]; 'default-target'?: string; units?: Record<string, string> };
  kernel?: { fragments?: string[]; vmlinux?: string };
  image?: { size?: string | number; free?: string | number; label?: string };
  cmdline?: string | string[];
  memory?: string | number;
  cpus?: number;
  tuning?: { enabled?: boolean; strip?: StripGroup[]; 'journal-size'?: string | number };
}

/** Groups of base paths the strip step can leave out (builder/steps/strip.ts lists their paths). */
export const STRIP_GROUPS = ['docs', 'locales', 'hwdb', 'perl'] as const;
export type StripGroup = (typeof STRIP_GROUPS)[number];

export type DebianVariant = 'essential' | 'required' | 'minbase' | 'apt' | 'important' | 'standard';

export type BaseSpec =
  | { kind: 'debian'; suite: string; variant: DebianVariant; packages: readonly string[]; mirror: string }
  | { kind: 'image'; ref: string }
  | { kind: 'scratch' };

export interface FileSpec {
  /** Absolute path in the guest. */
  path: string;
  /** Absolute path on the host (resolved against the recipe's folder); absent when `content` is set. */
  source?: string;
  content?: string;
  mode: number;
  owner: { user: string; group: string };
}

export interface UserSpec {
  name: string;
  uid?: number;
  group: string;
  groups: readonly string[];
  home: string;
  shell: string;
}

export interface GroupSpec {
  name: string;
  gid?: number;
}

export interface Recipe {
  /** The recipe file, absolute: errors and the manifest name it. */
  file: string;
  name: string;
  base: BaseSpec;
  files: readonly FileSpec[];
  users: readonly UserSpec[];
  groups: readonly GroupSpec[];
  systemd: {
    enable: readonly string[];
    disable: readonly string[];
    mask: readonly string[];
    defaultTarget: string;
    units: Readonly<Record<string, string>>;
  };
  /** Neither set: the kernel builder's default fragments. */
  kernel: { fragments?: readonly string[]; vmlinux?: string };
  image: { size?: number; free?: number; label: string };
  cmdline: readonly string[];
  memory: number;
  cpus: number;
  tuning: { enabled: boolean; strip: readonly StripGroup[]; journalSize: number };
}
