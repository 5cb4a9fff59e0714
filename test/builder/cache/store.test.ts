import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CacheStore, cacheKey } from '../../../builder/cache/store.js';
import { deadPid } from '../../helpers/dead-pid.js';
import { scratchDir } from '../../helpers/scratch.js';

test('cacheKey ignores object key order, not list order', () => {
  assert.is(cacheKey({ a: 1, b: [1, 2] }), cacheKey({ b: [1, 2], a: 1 }));
  assert.is.not(cacheKey({ b: [2, 1] }), cacheKey({ b: [1, 2] }));
});

test('put publishes whole entries; a failing producer leaves nothing', async () => {
  const store = new CacheStore(scratchDir('cache'));
  await store.put('k', 'a.txt', (tmp) => fs.promises.writeFile(tmp, 'A'));
  await store.put('k', 'b.txt', async (tmp) => {
    await fs.promises.writeFile(tmp, 'half');
    throw new Error('producer failed');
  }).catch(() => {});
  assert.equal(fs.readdirSync(path.join(store.dir, 'k')), ['a.txt']);
  fs.rmSync(store.dir, { recursive: true });
});

test('prune keeps the most recently used entries, with all their files', async () => {
  const store = new CacheStore(scratchDir('cache'));
  for (const [i, key] of ['old', 'mid', 'new'].entries()) {
    for (const ext of ['ext4', 'json']) {
      await store.put('images', `${key}.${ext}`, (tmp) => fs.promises.writeFile(tmp, key));
      const t = new Date(Date.now() - (3 - i) * 60_000);
      fs.utimesSync(store.path('images', `${key}.${ext}`), t, t);
    }
  }
  await store.touch('images', 'old.ext4');
  await store.prune('images', 2);
  assert.equal(fs.readdirSync(path.join(store.dir, 'images')).sort(), ['new.ext4', 'new.json', 'old.ext4', 'old.json']);
  fs.rmSync(store.dir, { recursive: true });
});

test('a put removes the temp files of killed builds in its folder, not those of running ones', async () => {
  const store = new CacheStore(scratchDir('cache'));
  const folder = path.join(store.dir, 'debian');
  fs.mkdirSync(folder, { recursive: true });
  const stale = `${store.path('debian', 'x.tar')}.tmp-${deadPid()}-0badc0de`;
  const live = `${store.path('debian', 'y.tar')}.tmp-${process.pid}-0badc0de`;
  fs.writeFileSync(stale, 'killed mid-build');
  fs.writeFileSync(live, 'still being written');
  await store.put('debian', 'z.tar', (tmp) => fs.promises.writeFile(tmp, 'Z'));
  assert.equal(fs.readdirSync(folder).sort(), [path.basename(live), 'z.tar'].sort());
  fs.rmSync(store.dir, { recursive: true });
});

test.run();
