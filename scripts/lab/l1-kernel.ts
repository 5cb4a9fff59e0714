// Finds the L1 kernel (Debian's stock kernel in /boot) and the module files the lab loads from
// that kernel's own module tree, in an order insmod accepts (dependencies first).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LabError } from './lab-error.js';

export interface L1Kernel {
  /** The kernel release, as `uname -r` prints it inside L1 (e.g. `6.1.0-56-amd64`). */
  release: string;
  /** Path of the bzImage QEMU boots. */
  image: string;
  /** The module tree of that release, `/lib/modules/<release>`. */
  moduleDir: string;
}

/**
 * Modules L1 needs, in the order they are wanted. kvm-amd because QEMU's TCG emulates AMD SVM;
 * virtio-pci + 9p for the host shares; overlay for a writable root over the read-only host.
 */
export const L1_MODULES = ['kvm_amd', 'virtio_pci', '9pnet_virtio', '9p', 'overlay'] as const;

/** Picks the newest `/boot/vmlinuz-*` that has a module tree, or the release asked for. */
export function findL1Kernel(release?: string, bootDir = '/boot', modulesRoot = '/lib/modules'): L1Kernel {
  const releases = release
    ? [release]
    : readdirSync(bootDir)
        .filter((f) => f.startsWith('vmlinuz-'))
        .map((f) => f.slice('vmlinuz-'.length))
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
        .reverse();
  for (const r of releases) {
    const image = join(bootDir, `vmlinuz-${r}`);
    const moduleDir = join(modulesRoot, r);
    if (existsSync(image) && existsSync(join(moduleDir, 'modules.dep'))) return { release: r, image, moduleDir };
  }
  throw new LabError(
    'no-kernel',
    release ? `no ${bootDir}/vmlinuz-${release} with ${modulesRoot}/${release}/modules.dep` : `no ${bootDir}/vmlinuz-* with a module tree in ${modulesRoot}`,
    'install the Debian kernel: apt-get install linux-image-amd64 (scripts/install-deps.sh)',
  );
}

const moduleName = (path: string): string => basename(path).replace(/\.ko(\.[a-z]+)?$/, '').replace(/-/g, '_');

/**
 * Resolves `wanted` through modules.dep into module paths relative to the module tree,
 * each after the modules it depends on.
 */
export function resolveModules(moduleDir: string, wanted: readonly string[] = L1_MODULES): string[] {
  const deps = new Map<string, { path: string; deps: string[] }>();
  for (const line of readFileSync(join(moduleDir, 'modules.dep'), 'utf8').split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const path = line.slice(0, colon);
    deps.set(moduleName(path), { path, deps: line.slice(colon + 1).trim().split(/\s+/).filter(Boolean) });
  }
  const order: string[] = [];
  const visit = (name: string, neededBy: string): void => {
    const entry = deps.get(name);
    if (!entry) {
      throw new LabError('no-module', `${moduleDir}/modules.dep: no module ${name} (needed by ${neededBy})`,
        'the lab needs a kernel with kvm-amd, virtio-pci, 9p and overlay as modules (Debian linux-image-amd64)');
    }
    if (order.includes(entry.path)) return;
    for (const dep of entry.deps) visit(moduleName(dep), name);
    order.push(entry.path);
  };
  for (const name of wanted) visit(name.replace(/-/g, '_'), 'the lab');
  return order;
}
