import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cmdline, CmdlineError } from '../../../runtime/loader/cmdline.js';

test('builds, NUL-terminates, refuses what the kernel cannot take', () => {
  const c = new Cmdline().push(' console=ttyS0  rw ').insert('init', '/init').push('');
  assert.is(c.toString(), 'console=ttyS0  rw init=/init');
  assert.is(c.toBytes().at(-1), 0);
  assert.throws(() => new Cmdline(16).push('x'.repeat(16)), (e: CmdlineError) => e.kind === 'too-long');
  assert.throws(() => new Cmdline().push('a\nb'), (e: CmdlineError) => e.kind === 'bad-char');
  assert.throws(() => new Cmdline().insert('a', 'b c'), (e: CmdlineError) => e.kind === 'bad-char');
});

test.run();
