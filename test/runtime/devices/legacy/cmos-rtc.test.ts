import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CmosRtc, createCmosState, OFS_DATA, OFS_INDEX, RTC_HOURS, RTC_MINUTES, RTC_REG_A, RTC_REG_D, RTC_SECONDS, RTC_YEAR,
  RTC_CENTURY, RTC_MONTH,
} from '../../../../runtime/devices/legacy/cmos-rtc.js';

test('time registers in BCD from the clock; UIP clear; RAM bytes stick', () => {
  const rtc = new CmosRtc(createCmosState(), () => new Date(Date.UTC(2026, 10, 27, 13, 45, 59)));
  const reg = (r: number) => {
    rtc.write(OFS_INDEX, new Uint8Array([r | 0x80]));
    const d = new Uint8Array(1);
    rtc.read(OFS_DATA, d);
    return d[0]!;
  };
  assert.is(reg(RTC_SECONDS), 0x59);
  assert.is(reg(RTC_MINUTES), 0x45);
  assert.is(reg(RTC_HOURS), 0x13);
  assert.is(reg(RTC_MONTH), 0x11);
  assert.is(reg(RTC_YEAR), 0x26);
  assert.is(reg(RTC_CENTURY), 0x20);
  assert.is(reg(RTC_REG_A) & 0x80, 0);
  assert.is(reg(RTC_REG_D), 0x80);
  rtc.write(OFS_INDEX, new Uint8Array([0x40]));
  rtc.write(OFS_DATA, new Uint8Array([0x12]));
  assert.is(reg(0x40), 0x12);
});

test.run();
