import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { removeStaleTemps, tempPath } from '../../../builder/cache/temp.js';
import { deadPid } from '../../helpers/dead-pid.js';
import { scratchDir } from '../../helpers/scratch.js';

test('tempPath names the writer: same folder, our pid, a random part', () => {
  const a = tempPath('/cache/k/entry.tar');
  assert.match(a, new RegExp(`^/cache/k/entry\\.tar\\.tmp-${process.pid}-[0-9a-f]{8}$`));
  assert.is.not(tempPath('/cache/k/entry.tar'), a);
});

test('only temp entries of exited writers go: files and folders; live writers, entries and look-alikes stay', async () => {
  const dir = scratchDir('temp');
  const dead = deadPid();
  const live = process.pid;
  const names = {
    staleFile: `a.tar.tmp-${dead}-0badc0de`,
    staleDir: `.k1.tmp-${dead}-12345678`,
    liveFile: `b.tar.tmp-${live}-0badc0de`,
    pid1: `c.tar.tmp-1-00000000`,
    entry: 'a.tar',
    notOurs: `d.tmp-${dead}`,
    hugePid: 'e.tmp-99999999999-00',
  };
  for (const [what, name] of Object.entries(names)) {
    if (what === 'staleDir') {
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(path.join(dir, name, 'vmlinux'), 'half');
    } else {
      fs.writeFileSync(path.join(dir, name), what);
    }
  }
  const removed = await removeStaleTemps(dir);
  assert.equal(removed.sort(), [names.staleDir, names.staleFile].sort());
  assert.equal(fs.readdirSync(dir).sort(), [names.liveFile, names.pid1, names.entry, names.notOurs, names.hugePid].sort());
  assert.equal(await removeStaleTemps(path.join(dir, 'missing')), []);
});

test.run();
