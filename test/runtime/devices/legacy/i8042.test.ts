import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CMD_RESET_CPU, I8042, OFS_COMMAND, OFS_STATUS, SB_IN_BUFFER_FULL, SB_OUT_DATA_AVAIL } from '../../../../runtime/devices/legacy/i8042.js';

test('the reset command pulses reset; the input buffer always reads empty', () => {
  let resets = 0;
  const dev = new I8042(() => resets++);
  const status = new Uint8Array(1);
  dev.read(OFS_STATUS, status);
  assert.is(status[0]! & SB_IN_BUFFER_FULL, 0);
  // Output-full with nothing behind it: Linux's i8042 driver gives up at once.
  assert.is(status[0]! & SB_OUT_DATA_AVAIL, SB_OUT_DATA_AVAIL);
  dev.write(OFS_COMMAND, new Uint8Array([0xaa]));
  assert.is(resets, 0);
  dev.write(OFS_COMMAND, new Uint8Array([CMD_RESET_CPU]));
  assert.is(resets, 1);
});

test.run();
