// Where the kernel source comes from: a tree the user names, or Debian's linux-source-6.1
// tarball, extracted once into the cache (and installed with apt-get when it is missing).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { $ } from 'zx';
import { defaultCacheDir } from '../cache/store.js';
import { removeStaleTemps, tempPath } from '../cache/temp.js';
import { KernelError } from './error.js';

export const DEBIAN_SOURCE_PACKAGE = 'linux-source-6.1';
export const DEBIAN_SOURCE_TARBALL = `/usr/src/${DEBIAN_SOURCE_PACKAGE}.tar.xz`;

export interface KernelSource {
  /** The tree, as a real path. */
  dir: string;
  /** `make kernelversion` as the Makefile spells it: 6.1.192. */
  version: string;
}

/** Reads VERSION/PATCHLEVEL/SUBLEVEL/EXTRAVERSION from a tree's Makefile, or fails if it is not a kernel. */
export async function openSource(dir: string): Promise<KernelSource> {
  const real = await realpath(dir).catch((cause: unknown) => {
    throw new KernelError('not-a-kernel-tree', `${dir}: no such directory`, undefined, { cause });
  });
  const makefile = await readFile(join(real, 'Makefile'), 'utf8').catch(() => '');
  const field = (name: string): string | undefined => new RegExp(`^${name}\\s*=[ \\t]*(.*)$`, 'm').exec(makefile)?.[1]?.trim();
  const [version, patchlevel, sublevel] = [field('VERSION'), field('PATCHLEVEL'), field('SUBLEVEL')];
  const looksLikeKernel = ['Kconfig', 'arch/x86/Kconfig', 'scripts/kconfig/Makefile'].every((p) => existsSync(join(real, p)));
  if (!version || !patchlevel || sublevel === undefined || !looksLikeKernel) {
    throw new KernelError(
      'not-a-kernel-tree',
      `${dir}: not a Linux kernel source tree (no VERSION in Makefile, or no Kconfig, arch/x86/Kconfig, scripts/kconfig)`,
      'give the top directory of an extracted kernel source, or leave --source out to use Debian\'s linux-source-6.1',
    );
  }
  return { dir: real, version: `${version}.${patchlevel}.${sublevel}${field('EXTRAVERSION') ?? ''}` };
}

/** Identifies a source without extracting it, for the fast cache lookup. */
export async function sourceIdentity(dir: string | undefined): Promise<string> {
  if (dir) {
    const tree = await openSource(dir);
    return `tree:${tree.dir}:${tree.version}`;
  }
  const version = await $`dpkg-query -W -f=${'${Version}'} ${DEBIAN_SOURCE_PACKAGE}`.nothrow().quiet();
  if (version.exitCode === 0 && existsSync(DEBIAN_SOURCE_TARBALL)) return `debian:${DEBIAN_SOURCE_PACKAGE}:${version.stdout.trim()}`;
  const s = await stat(DEBIAN_SOURCE_TARBALL).catch(() => null);
  return s ? `tarball:${DEBIAN_SOURCE_TARBALL}:${s.size}:${s.mtimeMs}` : 'debian:missing';
}

/** Debian's tarball extracted under the cache; installs the package first when the tarball is missing. */
export async function debianSource(log: (line: string) => void = () => {}): Promise<KernelSource> {
  if (!existsSync(DEBIAN_SOURCE_TARBALL)) {
    log(`installing ${DEBIAN_SOURCE_PACKAGE} with apt-get`);
    const install = await $({ env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })`apt-get install -y --no-install-recommends ${DEBIAN_SOURCE_PACKAGE} bc flex bison libelf-dev libssl-dev`
      .nothrow()
      .quiet();
    if (install.exitCode !== 0 || !existsSync(DEBIAN_SOURCE_TARBALL)) {
      throw new KernelError(
        'source-missing',
        `${DEBIAN_SOURCE_TARBALL}: missing, and apt-get install ${DEBIAN_SOURCE_PACKAGE} failed: ${install.stderr.trim().split('\n').at(-1) ?? ''}`,
        'run scripts/install-deps.sh as root, or pass --source DIR',
      );
    }
  }
  const tarball = await stat(DEBIAN_SOURCE_TARBALL);
  const tag = createHash('sha256').update(`${tarball.size}:${tarball.mtimeMs}`).digest('hex').slice(0, 12);
  const parent = join(defaultCacheDir(), 'kernel-src');
  const target = join(parent, `${DEBIAN_SOURCE_PACKAGE}-${tag}`);
  if (!existsSync(join(target, 'Makefile'))) {
    log(`extracting ${DEBIAN_SOURCE_TARBALL}`);
    await mkdir(parent, { recursive: true });
    await removeStaleTemps(parent); // trees half extracted by killed builds: a kernel source each
    const tmp = tempPath(target);
    await mkdir(tmp);
    const untar = await $`tar -xf ${DEBIAN_SOURCE_TARBALL} -C ${tmp}`.nothrow().quiet();
    if (untar.exitCode !== 0) {
      await rm(tmp, { recursive: true, force: true });
      throw new KernelError('source-missing', `${DEBIAN_SOURCE_TARBALL}: cannot extract: ${untar.stderr.trim()}`);
    }
    const [top] = await readdir(tmp);
    await rm(target, { recursive: true, force: true });
    await rename(join(tmp, top!), target);
    await rm(tmp, { recursive: true, force: true });
  }
  return openSource(target);
}
