import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPciHostState, PciHost, OFS_CONFIG_ADDRESS, OFS_CONFIG_DATA } from '../../../../runtime/devices/legacy/pci-host.js';

const u32 = (v: number) => new Uint8Array(new Uint32Array([v]).buffer);
const readU = (dev: PciHost, offset: number, size: number) => {
  const d = new Uint8Array(size);
  dev.read(offset, d);
  return size === 4 ? new DataView(d.buffer).getUint32(0, true) : size === 2 ? new DataView(d.buffer).getUint16(0, true) : d[0]!;
};

test('conf1: the latch reads back; 00:00.0 is an Intel host bridge; other slots are absent', () => {
  const dev = new PciHost(createPciHostState());
  dev.write(OFS_CONFIG_ADDRESS, u32(0x8000_0000));
  assert.is(readU(dev, OFS_CONFIG_ADDRESS, 4), 0x8000_0000);
  assert.is(readU(dev, OFS_CONFIG_DATA, 4), 0x0d57_8086);
  dev.write(OFS_CONFIG_ADDRESS, u32(0x8000_0008));
  assert.is(readU(dev, OFS_CONFIG_DATA + 2, 2), 0x0600);
  dev.write(OFS_CONFIG_ADDRESS, u32(0x8000_0800));
  assert.is(readU(dev, OFS_CONFIG_DATA, 4), 0xffff_ffff);
});

test.run();
