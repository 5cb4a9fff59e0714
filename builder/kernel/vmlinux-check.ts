// What cc-run relies on in a vmlinux, checked before cc-build publishes one: the file reads as
// manifest/vmlinux.ts's layout (an x86-64 ELF64 executable), has the PVH entry note, and its
// PT_LOAD segments have page-aligned file offsets and physical addresses, so each one can be
// mmapped from the file straight into the guest.
import { open } from 'node:fs/promises';
import { readVmlinuxLayout, VmlinuxError, type VmlinuxLayout } from '../../manifest/vmlinux.js';
import { KernelError } from './error.js';

const PAGE_SIZE = 4096;

export type CheckedVmlinux = VmlinuxLayout & { pvhEntry: number };

/** Reads the program headers and notes of a vmlinux; throws naming the file and the fault. */
export async function checkVmlinux(path: string): Promise<CheckedVmlinux> {
  const fail = (what: string, hint?: string, cause?: unknown): never => {
    throw new KernelError('vmlinux-invalid', `${path}: ${what}`, hint, { cause });
  };
  const file = await open(path, 'r').catch((cause: unknown) => fail('cannot open', undefined, cause));
  let layout: VmlinuxLayout;
  try {
    layout = readVmlinuxLayout(file.fd);
  } catch (e) {
    if (!(e instanceof VmlinuxError)) throw e;
    return fail(e.message, e.hint, e);
  } finally {
    await file.close();
  }
  for (const seg of layout.loads) {
    if (seg.offset % PAGE_SIZE !== 0 || seg.paddr % PAGE_SIZE !== 0) {
      fail(
        `PT_LOAD #${seg.index} has p_offset 0x${seg.offset.toString(16)} and p_paddr 0x${seg.paddr.toString(16)}: both must be multiples of ${PAGE_SIZE}`,
        'cc-run maps each PT_LOAD straight from the file; link the kernel with its default linker script',
      );
    }
  }
  const { pvhEntry } = layout;
  if (pvhEntry === undefined) return fail('no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)', 'build with CONFIG_PVH=y (kernel-config/base)');
  return { ...layout, pvhEntry };
}
