import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TarIndex } from '../../../builder/sources/tar-index.js';
import { scratchDir } from '../../helpers/scratch.js';

const dir = scratchDir('tarindex');
const longDir = 'd'.repeat(90) + '/' + 'e'.repeat(80);
mkdirSync(join(dir, 'src', longDir), { recursive: true });
writeFileSync(join(dir, 'src', 'small'), 'small\n');
writeFileSync(join(dir, 'src', 'empty'), '');
writeFileSync(join(dir, 'src', longDir, 'big'), Buffer.alloc(100_000, 'b'));
execFileSync('ln', ['-s', 'small', join(dir, 'src', 'link')]);

async function read(index: TarIndex, name: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of index.read(index.get(name)!)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

for (const format of ['gnu', 'pax', 'ustar']) {
  test(`${format} tar: members found by name (./ and long names too) and read by range`, async () => {
    const file = join(dir, `${format}.tar`);
    execFileSync('tar', [`--format=${format}`, '-C', join(dir, 'src'), '-cf', file, '.']);
    const index = await TarIndex.open(file);
    assert.is(await read(index, 'small'), 'small\n');
    assert.is(await read(index, './small'), 'small\n');
    assert.is(await read(index, 'link'), 'small\n', 'symlinks are followed');
    assert.is(await read(index, 'empty'), '');
    assert.is((await read(index, `${longDir}/big`)).length, 100_000);
    assert.is(index.get('nothing'), undefined);
    assert.is(index.get(longDir.split('/')[0]!), undefined, 'directories are not files');
    await index.close();
  });
}

test.run();
