// The tar reader against archives written by GNU tar itself (long names, base-256 numbers) and
// raw PAX records with binary values.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TarReader, type TarHeader } from '../../../builder/tar/reader.js';
import { capabilityXattr, rawEntry, ustarHeader } from '../../helpers/tar-fixture.js';

function read(tar: Buffer, chunk = 777): { headers: TarHeader[]; data: Map<string, Buffer> } {
  const headers: TarHeader[] = [];
  const data = new Map<string, Buffer>();
  let current = '';
  const reader = new TarReader(
    {
      entry: (h) => {
        headers.push(h);
        current = h.path;
        data.set(current, Buffer.alloc(0));
      },
      data: (c) => data.set(current, Buffer.concat([data.get(current)!, c])),
      end: () => {},
    },
    'test.tar',
  );
  for (let i = 0; i < tar.length; i += chunk) reader.push(tar.subarray(i, i + chunk));
  reader.finish();
  return { headers, data };
}

test('GNU tar: long names and link targets, big ids, odd chunk sizes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cc-gnutar-'));
  try {
    const long = 'd'.repeat(120) + '/' + 'f'.repeat(130);
    mkdirSync(join(dir, 'src', 'd'.repeat(120)), { recursive: true });
    writeFileSync(join(dir, 'src', long), 'long');
    const r = spawnSync('sh', ['-c', `cd ${dir}/src && ln -s ${long} link && tar --format=gnu --owner=:3000000000 --group=:3000000001 -cf ../gnu.tar .`]);
    assert.is(r.status, 0, r.stderr.toString());
    const { headers, data } = read(readFileSync(join(dir, 'gnu.tar')), 1000);
    const file = headers.find((h) => h.path === `./${long}`)!;
    assert.ok(file, 'GNU long name');
    assert.is(file.uid, 3000000000, 'base-256 uid');
    assert.is(file.gid, 3000000001);
    assert.is(data.get(`./${long}`)!.toString(), 'long');
    assert.is(headers.find((h) => h.path === './link')!.linkpath, long, 'GNU long link target');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PAX: binary xattr values byte-exact, ns mtimes, later records win', () => {
  const cap = capabilityXattr();
  const end = Buffer.alloc(1024);
  const tar = Buffer.concat([
    rawEntry('bin/ping', [
      ['SCHILY.xattr.security.capability', cap],
      ['mtime', Buffer.from('1700000000.000000042')],
      ['path', Buffer.from('bin/pïng')],
    ], Buffer.from('x')),
    end,
  ]);
  const { headers } = read(tar, 100);
  assert.is(headers.length, 1);
  assert.is(headers[0]!.path, Buffer.from('bin/pïng').toString('latin1'), 'names are kept as bytes');
  assert.equal(headers[0]!.mtime, { sec: 1700000000, nsec: 42 });
  assert.ok(headers[0]!.xattrs.get('security.capability')!.equals(cap));
});

test('links, devices and directories carry no data whatever their size field says', () => {
  const tar = Buffer.concat([
    ustarHeader({ name: 'target', type: '0', size: 3 }),
    Buffer.concat([Buffer.from('abc'), Buffer.alloc(509)]),
    ustarHeader({ name: 'hard', type: '1', size: 3, linkname: 'target' }),
    ustarHeader({ name: 'dir/', type: '5', size: 4096 }),
    ustarHeader({ name: 'after', type: '0', size: 0 }),
    Buffer.alloc(1024),
  ]);
  assert.equal(read(tar).headers.map((h) => [h.path, h.type, h.size]), [
    ['target', 'file', 3],
    ['hard', 'hardlink', 0],
    ['dir/', 'dir', 0],
    ['after', 'file', 0],
  ]);
});

test('errors: bad checksum, truncated data, missing end marker', () => {
  const entry = rawEntry('a', [], Buffer.from('hello'));
  assert.throws(() => read(entry.subarray(0, 512 + 512 + 2)), /truncated/); // pax header + file header + 2 bytes
  assert.throws(() => read(entry), /truncated tar after a \(no end-of-archive marker\)/);
  const bad = Buffer.from(entry);
  bad[600] ^= 0xff;
  assert.throws(() => read(Buffer.concat([bad, Buffer.alloc(1024)])), /bad checksum/);
});

test.run();
