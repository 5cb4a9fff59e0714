// A failed compile shows the compiler's errors and where the full log is. The "kernel" here is a
// Makefile whose vmlinux target fails the way gcc does, so no kernel is built.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileVmlinux } from '../../../builder/kernel/compile.js';
import { KernelError } from '../../../builder/kernel/error.js';

test('compiler errors are picked out of the make output; the full log is kept', async () => {
  const src = await mkdtemp(join(tmpdir(), 'cc-fake-src-'));
  const build = await mkdtemp(join(tmpdir(), 'cc-fake-build-'));
  const recipe = [
    'vmlinux:',
    '\t@echo "  CC      init/main.o"',
    '\t@echo "  CC      fs/ext4/super.o"',
    '\t@echo "fs/ext4/super.c:42:7: error: expected \';\' before \'}\' token" >&2',
    '\t@exit 2',
    '',
  ].join('\n');
  await writeFile(join(src, 'Makefile'), recipe);
  const seen: number[] = [];
  try {
    await compileVmlinux({ dir: src, version: '0.0.0' }, build, ({ objects }) => seen.push(objects), 1);
    assert.unreachable('the build should fail');
  } catch (error) {
    assert.instance(error, KernelError);
    assert.is((error as KernelError).kind, 'compile-failed');
    assert.match((error as KernelError).message, /fs\/ext4\/super\.c:42:7: error: expected/);
    assert.match((error as KernelError).hint!, new RegExp(`full log: ${join(build, 'build.log')}`));
  }
  assert.is(Math.max(...seen), 2, 'CC lines are counted as they stream');
  assert.match(await readFile(join(build, 'build.log'), 'utf8'), /CC {6}init\/main\.o/);
});

test.run();
