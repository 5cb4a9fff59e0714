// PCI configuration mechanism #1 (ports 0xCF8/0xCFC) with a host bridge at 00:00.0 and nothing
// else. Linux on x86 only inserts the e820 persistent-memory ranges (e820__reserve_resources_late)
// once its PCI survey ran, so without a PCI root there is no /dev/pmem0 from legacy pmem.
import type { BusDevice } from '../../vmm/bus.js';

/** Offsets from 0xCF8. */
export const OFS_CONFIG_ADDRESS = 0;
export const OFS_CONFIG_DATA = 4;

export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_CLASS_REVISION = 0x08;
export const PCI_VENDOR_ID_INTEL = 0x8086;
/** The device id Firecracker's and cloud-hypervisor's host bridges use. */
export const HOST_BRIDGE_DEVICE_ID = 0x0d57;
export const PCI_CLASS_BRIDGE_HOST = 0x0600;
const CONFIG_ENABLE = 0x8000_0000;

/** The config-address latch, shared between vCPU threads: one Int32 cell. */
export interface PciHostState {
  buffer: SharedArrayBuffer;
}

export function createPciHostState(): PciHostState {
  return { buffer: new SharedArrayBuffer(4) };
}

export class PciHost implements BusDevice {
  private readonly address: Int32Array;
  private readonly bridge = new Uint8Array(256);

  constructor(state: PciHostState) {
    this.address = new Int32Array(state.buffer);
    const v = new DataView(this.bridge.buffer);
    v.setUint16(PCI_VENDOR_ID, PCI_VENDOR_ID_INTEL, true);
    v.setUint16(PCI_DEVICE_ID, HOST_BRIDGE_DEVICE_ID, true);
    v.setUint32(PCI_CLASS_REVISION, PCI_CLASS_BRIDGE_HOST << 16, true);
  }

  /** The config space the latch selects, or undefined for an absent device. */
  private selected(): { space: Uint8Array; reg: number } | undefined {
    const a = Atomics.load(this.address, 0) >>> 0;
    if (!(a & CONFIG_ENABLE)) return undefined;
    const bus = (a >> 16) & 0xff;
    const devfn = (a >> 8) & 0xff;
    if (bus !== 0 || devfn !== 0) return undefined;
    return { space: this.bridge, reg: a & 0xfc };
  }

  read(offset: number, data: Uint8Array): void {
    if (offset === OFS_CONFIG_ADDRESS && data.length === 4) {
      new DataView(data.buffer, data.byteOffset, 4).setUint32(0, Atomics.load(this.address, 0) >>> 0, true);
      return;
    }
    if (offset >= OFS_CONFIG_DATA) {
      const sel = this.selected();
      const at = (sel?.reg ?? 0) + offset - OFS_CONFIG_DATA;
      if (sel && at + data.length <= 256) {
        data.set(sel.space.subarray(at, at + data.length));
        return;
      }
    }
    data.fill(0xff);
  }

  write(offset: number, data: Uint8Array): void {
    // Only a full 32-bit write sets the latch; config writes to the bridge (BAR sizing) are ignored.
    if (offset === OFS_CONFIG_ADDRESS && data.length === 4) {
      Atomics.store(this.address, 0, new DataView(data.buffer, data.byteOffset, 4).getInt32(0, true));
    }
  }
}
