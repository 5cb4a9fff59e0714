import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CacheStore, cacheKey } from '../../../builder/cache/store.js';

test('cacheKey ignores object key order, not list order', () => {
  assert.is(cacheKey({ a: 1, b: [1, 2] }), cacheKey({ b: [1, 2], a: 1 }));
  assert.is.not(cacheKey({ b: [2, 1] }), cacheKey({ b: [1, 2] }));
});

test('put publishes whole entries; a failing producer leaves nothing', async () => {
  const store = new CacheStore(fs.mkdtempSync(path.join(os.tmpdir(), 'cc-cache-')));
  await store.put('k', 'a.txt', (tmp) => fs.promises.writeFile(tmp, 'A'));
  await store.put('k', 'b.txt', async (tmp) => {
    await fs.promises.writeFile(tmp, 'half');
    throw new Error('producer failed');
  }).catch(() => {});
  assert.equal(fs.readdirSync(path.join(store.dir, 'k')), ['a.txt']);
  fs.rmSync(store.dir, { recursive: true });
});

test('prune keeps the most recently used entries, with all their files', async () => {
  const store = new CacheStore(fs.mkdtempSync(path.join(os.tmpdir(), 'cc-cache-')));
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

test.run();
