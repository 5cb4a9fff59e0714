// Directory name hashes agree with e2fsprogs (debugfs dx_hash, the reference implementation).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dirhash } from '../../../builder/ext4/directory.js';

test('half_md4 (signed) hashes match debugfs dx_hash, with and without a seed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cc-dxhash-'));
  const dummy = join(dir, 'dummy.img');
  writeFileSync(dummy, Buffer.alloc(1 << 20));
  spawnSync('mke2fs', ['-q', '-F', dummy]);
  try {
    const names = ['a', 'lost+found', 'file-with-a-longish-name-04321', 'x'.repeat(70), 'héllo', 'ÿ\u0080'];
    for (const seedText of ['0123abcd-4567-89ef-0011-223344556677', '00000000-0000-0000-0000-000000000000']) {
      const bytes = Buffer.from(seedText.replace(/-/g, ''), 'hex');
      const seed = new Uint32Array(4).map((_, i) => bytes.readUInt32LE(i * 4));
      for (const name of names) {
        const r = spawnSync('debugfs', ['-R', `dx_hash -h half_md4 -s ${seedText} ${name}`, dummy], { encoding: 'utf8' });
        const want = /Hash of .* is 0x([0-9a-f]+)/.exec(r.stdout)?.[1];
        assert.ok(want, `debugfs dx_hash: ${r.stdout}${r.stderr}`);
        assert.is(dirhash(Buffer.from(name), seed).toString(16), want, `${name} with seed ${seedText}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
