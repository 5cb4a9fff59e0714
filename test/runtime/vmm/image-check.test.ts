import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkExt4Image } from '../../../runtime/vmm/image-check.js';
import type { ConfigError } from '../../../runtime/vmm/errors.js';

test('an ext4 image passes; other files and missing paths are ConfigErrors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cc-img-'));
  try {
    const ext4 = join(dir, 'a.ext4');
    execFileSync('mke2fs', ['-q', '-F', '-t', 'ext4', ext4, '4M'], { stdio: 'pipe' });
    checkExt4Image(ext4);
    const other = join(dir, 'b.img');
    writeFileSync(other, new Uint8Array(8192));
    assert.throws(() => checkExt4Image(other), (e: ConfigError) => e.kind === 'not-ext4' && e.message.includes(other));
    assert.throws(() => checkExt4Image(join(dir, 'none')), (e: ConfigError) => e.kind === 'no-image');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test.run();
