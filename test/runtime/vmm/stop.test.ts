import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT_STATUS, exitStatusFor } from '../../../runtime/vmm/stop.js';

test('exit statuses: guest status, reboot, panic, crash, timeout, Ctrl-C', () => {
  assert.is(exitStatusFor({ reason: 'exit-port', guestStatus: 7, panicked: false }), 7);
  assert.is(exitStatusFor({ reason: 'reboot', panicked: false }), 0);
  assert.is(exitStatusFor({ reason: 'reboot', panicked: true }), EXIT_STATUS.GUEST_PANIC);
  assert.is(exitStatusFor({ reason: 'triple-fault', panicked: false }), EXIT_STATUS.GUEST_CRASH);
  assert.is(exitStatusFor({ reason: 'timeout', panicked: false }), 124);
  assert.is(exitStatusFor({ reason: 'interrupted', panicked: false }), 130);
  assert.is(exitStatusFor({ reason: 'vmm-error', panicked: false }), 1);
});

test.run();
