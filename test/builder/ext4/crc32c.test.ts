import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crc32c } from '../../../builder/ext4/crc32c.js';

test('crc32c check value (RFC 3720): "123456789" gives 0xe3069283', () => {
  // The standard CRC32C inverts in and out; ext4_chksum does neither, so do it here.
  assert.is((crc32c(0xffffffff, Buffer.from('123456789')) ^ 0xffffffff) >>> 0, 0xe3069283);
});

test('slicing-by-8 agrees with the byte-at-a-time tail at every split', () => {
  const data = Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 37 + 11) & 0xff));
  const whole = crc32c(0x12345678, data);
  for (let cut = 0; cut <= data.length; cut++) assert.is(crc32c(crc32c(0x12345678, data, 0, cut), data, cut), whole);
});

test.run();
