import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConsoleTap } from '../../../runtime/vmm/console-tap.js';

const enc = (s: string) => new TextEncoder().encode(s);

test('the first non-printk line marks userspace; panics are seen across chunk boundaries', () => {
  let now = 0;
  const tap = new ConsoleTap(0, 3, () => now);
  now = 5;
  tap.feed(enc('[    0.000000] Linux version 6.1\r\n[    1.2] Run /init as init process\r\n'));
  assert.is(tap.firstUserspaceMs, undefined);
  now = 9;
  tap.feed(enc('CC-MARK'));
  tap.feed(enc('ER up\n[    2.0] Kernel pan'));
  tap.feed(enc('ic - not syncing: Attempted to kill init!\n'));
  assert.is(tap.firstUserspaceMs, 9);
  assert.ok(tap.panicked);
  assert.equal(tap.lastLines(), ['[    1.2] Run /init as init process', 'CC-MARKER up', '[    2.0] Kernel panic - not syncing: Attempted to kill init!']);
});

test.run();
