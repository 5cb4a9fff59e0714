// Reads a vmlinux through the shared reader (manifest/vmlinux.ts): the PT_LOAD segments with
// memory to map, and the PVH entry. It reports; the VMM decides where things go (runtime/vmm/memory-map.ts).
import { readVmlinuxLayout, VmlinuxError, type VmlinuxErrorKind, type VmlinuxLoad } from '../../manifest/vmlinux.js';

export type LoaderErrorKind = 'not-elf' | 'bzimage' | 'wrong-arch' | 'no-pvh-entry' | 'bad-segment' | 'too-small' | 'malformed';

export class LoaderError extends Error {
  constructor(
    readonly kind: LoaderErrorKind,
    message: string,
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'LoaderError';
  }
}

const LOADER_KIND: Record<VmlinuxErrorKind, LoaderErrorKind> = {
  'not-elf': 'not-elf',
  bzimage: 'bzimage',
  'wrong-class': 'wrong-arch',
  'wrong-machine': 'wrong-arch',
  'wrong-type': 'wrong-arch',
  truncated: 'too-small',
  'bad-header': 'malformed',
  'bad-segment': 'bad-segment',
  'bad-note': 'malformed',
};

export type ElfSegment = Pick<VmlinuxLoad, 'index' | 'offset' | 'paddr' | 'filesz' | 'memsz'>;

export interface VmlinuxInfo {
  /** The PT_LOADs that take memory, sorted by physical address. */
  segments: ElfSegment[];
  /** Lowest and highest guest-physical address the segments cover. */
  kernelStart: number;
  kernelEnd: number;
  /** XEN_ELFNOTE_PHYS32_ENTRY: the 32-bit PVH entry point. */
  pvhEntry: number;
}

/** Parses the vmlinux open at `fd` (`path` is for messages). */
export function readVmlinux(fd: number, path: string): VmlinuxInfo {
  let layout;
  try {
    layout = readVmlinuxLayout(fd);
  } catch (e) {
    if (!(e instanceof VmlinuxError)) throw e;
    throw new LoaderError(LOADER_KIND[e.kind], `${path}: ${e.message}`, e.hint, { cause: e });
  }
  const segments: ElfSegment[] = layout.loads
    .filter((s) => s.memsz > 0)
    .map(({ index, offset, paddr, filesz, memsz }) => ({ index, offset, paddr, filesz, memsz }))
    .sort((a, b) => a.paddr - b.paddr);
  if (segments.length === 0) throw new LoaderError('bad-segment', `${path}: has no PT_LOAD segment with memory`);
  if (layout.pvhEntry === undefined) {
    throw new LoaderError('no-pvh-entry', `${path}: has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)`,
      'build the kernel with CONFIG_PVH=y');
  }
  const last = segments[segments.length - 1]!;
  return { segments, kernelStart: segments[0]!.paddr, kernelEnd: last.paddr + last.memsz, pvhEntry: layout.pvhEntry };
}
