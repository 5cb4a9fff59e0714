import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatSize, parseSize } from '../../manifest/size.js';

test('sizes as users type them', () => {
  assert.is(parseSize('256M'), 256 * 1024 ** 2);
  assert.is(parseSize('1G'), 1024 ** 3);
  assert.is(parseSize('1.5g'), 1.5 * 1024 ** 3);
  assert.is(parseSize('512MiB'), 512 * 1024 ** 2);
  assert.is(parseSize('4096'), 4096);
  assert.is(parseSize('0'), 0);
  assert.is(parseSize('lots'), undefined);
  assert.is(parseSize('-1M'), undefined);
});

test('formatSize is the inverse for whole units', () => {
  for (const text of ['128M', '2G', '4K', '4097']) assert.is(formatSize(parseSize(text)!), text);
});

test.run();
