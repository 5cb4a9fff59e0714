// convertToImage end to end: tars covering every entry kind and metadata become images that
// e2fsck passes and that, loop-mounted, match the tar entry by entry.
import { randomBytes } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { convertToImage } from '../../builder/convert.js';
import { openSource } from '../../builder/sources/index.js';
import {
  assertFsckClean,
  bufferSource,
  canMount,
  compareWithTar,
  debugfs,
  run,
  sha256File,
  tarIndex,
  withMount,
  xattrsOf,
} from '../helpers/image-check.js';
import { capabilityXattr, packTar, rawEntry, type FixtureEntry } from '../helpers/tar-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'cc-convert-'));
const big = randomBytes(3 << 20);
const holey = Buffer.concat([Buffer.alloc(1 << 20), Buffer.from('middle'), Buffer.alloc((1 << 20) + 17), Buffer.from('end')]);
const manyXattrs: Record<string, string> = {};
for (let i = 0; i < 12; i++) manyXattrs[`SCHILY.xattr.user.attr${i}`] = 'v'.repeat(100) + i;
// 1400 written blocks between holes: 1400 extents need a two-level extent tree (4 in the inode, 340 a block).
const fragmented = Buffer.alloc(2800 * 4096);
for (let i = 0; i < 2800; i += 2) fragmented.fill(i % 251 + 1, i * 4096, (i + 1) * 4096);
const longName = 'usr/share/' + 'very-long-directory-name/'.repeat(6) + 'file.txt';
const longTarget = '../' + 'x'.repeat(70) + '/target';

const entries: FixtureEntry[] = [
  { name: './', type: 'directory', mode: 0o755 },
  { name: 'etc/', type: 'directory', mode: 0o755 },
  { name: 'etc/hosts', content: '127.0.0.1 localhost\n', pax: { mtime: '1700000000.123456789' } },
  { name: 'tmp/', type: 'directory', mode: 0o1777 },
  { name: 'srv/', type: 'directory', mode: 0o2775, gid: 50 },
  { name: 'usr/bin/', type: 'directory' },
  { name: 'usr/bin/su', content: 'suid binary', mode: 0o4755 },
  { name: 'usr/bin/sg', content: 'sgid binary', mode: 0o2711, gid: 42 },
  { name: 'usr/bin/su-link', type: 'link', linkname: 'usr/bin/su' },
  { name: 'usr/bin/su-link2', type: 'link', linkname: './usr/bin/su' },
  { name: 'bin', type: 'symlink', linkname: 'usr/bin' },
  { name: 'usr/lib/slow-link', type: 'symlink', linkname: longTarget },
  { name: 'home/u/', type: 'directory', uid: 1000, gid: 1000, mode: 0o700 },
  { name: 'home/u/big.bin', content: big, uid: 1000, gid: 1000 },
  { name: 'home/u/holes.bin', content: holey, uid: 1000, gid: 1000 },
  { name: 'home/u/empty', content: '' },
  { name: 'home/u/fragmented', content: fragmented },
  { name: 'etc/xdir/', type: 'directory', pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y' } },
  { name: 'etc/xlink', type: 'symlink', linkname: 'hosts', pax: { 'SCHILY.xattr.security.selinux': 'system_u:object_r:etc_t:s0' } },
  { name: 'home/huge-ids', content: 'ids', pax: { uid: '4000000000', gid: '4000000001' } },
  { name: 'dev/', type: 'directory' },
  { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
  { name: 'dev/wide', type: 'character-device', devmajor: 300, devminor: 70000, mode: 0o600 },
  { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0, mode: 0o660, gid: 6 },
  { name: 'run/fifo', type: 'fifo', mode: 0o620 },
  { name: longName, content: 'long name via PAX path' },
  { name: 'etc/comment', content: 'x', pax: { 'SCHILY.xattr.user.comment': 'hello world' } },
  { name: 'etc/many-xattrs', content: 'x', pax: manyXattrs },
  { name: '../../escaped', content: 'kept inside the root' },
  { name: '/abs/file', content: 'absolute path kept inside the root' },
  { name: 'deep/a/b/c/file', content: 'parents created' },
  { name: 'etc/replaced', content: 'first version' },
  { name: 'etc/replaced', content: 'second version wins' },
];
const cap = capabilityXattr();
// posix_acl_xattr v2: USER_OBJ rwx, USER 1000 r-x, GROUP_OBJ r-x, MASK r-x, OTHER r--
const acl = Buffer.alloc(4 + 5 * 8);
acl.writeUInt32LE(2, 0);
[[0x01, 7, 0xffffffff], [0x02, 5, 1000], [0x04, 5, 0xffffffff], [0x10, 5, 0xffffffff], [0x20, 4, 0xffffffff]].forEach(([tag, perm, id], i) => {
  acl.writeUInt16LE(tag!, 4 + i * 8);
  acl.writeUInt16LE(perm!, 6 + i * 8);
  acl.writeUInt32LE(id!, 8 + i * 8);
});
const raw = [
  rawEntry('usr/bin/ping', [['SCHILY.xattr.security.capability', cap]], Buffer.from('ping binary'), { mode: 0o755 }),
  rawEntry('srv/acl', [['SCHILY.xattr.system.posix_acl_access', acl]], Buffer.from('acl'), { mode: 0o754 }),
];

let tarball: Buffer;
let image: string;

test.before(async () => {
  tarball = await packTar(entries, raw);
  writeFileSync(join(dir, 'kinds.tar'), tarball);
  image = join(dir, 'kinds.ext4');
  await convertToImage(bufferSource([{ name: 'kinds.tar', tar: tarball }]), image, { epoch: 1_600_000_000 }).catch((err) => {
    console.error(err); // uvu drops errors thrown in hooks
    throw err;
  });
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('every entry kind: e2fsck -fn is clean and the image is DAX-ready', () => {
  assertFsckClean(image);
  const st = statSync(image);
  assert.is(st.size % (2 << 20), 0, 'image size is a multiple of 2 MiB');
  const sb = run('dumpe2fs', ['-h', image]).stdout;
  assert.match(sb, /Block size:\s+4096/);
  assert.match(sb, /Inode size:\s+256/);
  assert.not.match(sb, /inline_data/);
  assert.not.match(sb, /has_journal/);
  assert.match(sb, /extent/);
  assert.match(sb, /Filesystem state:\s+clean/);
});

test('every entry kind: the mounted tree matches the tar entry by entry', async () => {
  if (!canMount()) return;
  const index = await tarIndex(tarball);
  // tar-stream cannot read the raw PAX entry's binary value but sees its header and content.
  await withMount(image, (root) => {
    const checked = compareWithTar(root, index);
    assert.ok(checked >= entries.length - 4, `checked ${checked} entries`);
    assert.is(readFileSync(join(root, 'escaped'), 'utf8'), 'kept inside the root');
    assert.is(readFileSync(join(root, 'abs/file'), 'utf8'), 'absolute path kept inside the root');
    assert.is(readFileSync(join(root, 'etc/replaced'), 'utf8'), 'second version wins');
    assert.is(statSync(join(root, 'deep/a/b')).mode & 0o7777, 0o755, 'implied parents are 0755');
    assert.is(statSync(join(root, 'usr/bin/su')).nlink, 3, 'hard-link group of three');
    assert.is(statSync(join(root, 'home/huge-ids')).uid, 4000000000);
    assert.is(statSync(join(root, 'home/huge-ids')).gid, 4000000001);
    const x = xattrsOf(join(root, 'usr/bin/ping'));
    assert.is(x['security.capability'], cap.toString('hex'), 'binary capability byte-exact');
    assert.is(xattrsOf(join(root, 'etc/comment'))['user.comment'], Buffer.from('hello world').toString('hex'));
    const many = xattrsOf(join(root, 'etc/many-xattrs'));
    for (let i = 0; i < 12; i++) assert.is(many[`user.attr${i}`], Buffer.from('v'.repeat(100) + i).toString('hex'), `attr${i} (xattr block)`);
    assert.is(xattrsOf(join(root, 'etc/xdir'))['trusted.overlay.opaque'], Buffer.from('y').toString('hex'), 'xattr on a directory');
    assert.is(xattrsOf(join(root, 'etc/xlink'))['security.selinux'], Buffer.from('system_u:object_r:etc_t:s0').toString('hex'), 'xattr on a symlink');
    assert.is(xattrsOf(join(root, 'srv/acl'))['system.posix_acl_access'], acl.toString('hex'), 'POSIX ACL round-trips');
    assert.match(run('getfacl', ['-n', join(root, 'srv/acl')]).stdout, /user:1000:r-x/);
    const holes = statSync(join(root, 'home/u/holes.bin'));
    assert.ok(holes.blocks * 512 <= 3 * 4096, `zero blocks are holes (${holes.blocks} sectors)`);
  });
});

test('large files start 2 MiB-aligned; small symlinks are fast, long ones use a block', () => {
  const bmap = debugfs(image, 'bmap /home/u/big.bin 0').trim();
  assert.is(Number(bmap) % 512, 0, `big.bin starts at block ${bmap}`);
  assert.match(debugfs(image, 'stat /bin'), /Fast link dest: "usr\/bin"/);
  assert.not.match(debugfs(image, 'stat /usr/lib/slow-link'), /Fast link/);
  const frag = debugfs(image, 'ex /home/u/fragmented');
  assert.match(frag, /^\s*0\/ 2\s/m, 'two-level extent tree for 1400 extents');
  assert.is((frag.match(/^\s*2\/ 2\s/gm) ?? []).length, 1400, '1400 leaf extents');
});

test('the kernel mounts it read-write (checksums agree) and e2fsck is clean after writes', async () => {
  if (!canMount()) return;
  const copy = join(dir, 'rw.ext4');
  copyFileSync(image, copy);
  const mnt = mkdtempSync(join(tmpdir(), 'cc-rw-'));
  const m = run('mount', ['-o', 'loop,rw', '-t', 'ext4', copy, mnt]);
  assert.is(m.status, 0, m.stderr);
  try {
    mkdirSync(join(mnt, 'new/dir'), { recursive: true });
    for (let i = 0; i < 300; i++) writeFileSync(join(mnt, 'new/dir', `f${i}`), `file ${i}\n`.repeat(i));
    appendFileSync(join(mnt, 'etc/hosts'), '10.0.0.1 guest\n');
    rmSync(join(mnt, 'home/u/big.bin'));
    writeFileSync(join(mnt, 'home/u/fragmented'), 'rewritten');
    assert.is(run('setfattr', ['-n', 'user.added', '-v', 'later', join(mnt, 'etc/many-xattrs')]).status, 0);
  } finally {
    run('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
  assertFsckClean(copy);
});

test('deterministic: the same input gives a byte-identical image', async () => {
  const again = join(dir, 'again.ext4');
  await convertToImage(bufferSource([{ name: 'kinds.tar', tar: tarball }]), again, { epoch: 1_600_000_000 });
  assert.is(sha256File(again), sha256File(image));
  const uuid = (p: string) => /Filesystem UUID:\s+(\S+)/.exec(run('dumpe2fs', ['-h', p]).stdout)![1];
  assert.is(uuid(again), uuid(image));
  const other = join(dir, 'other.ext4');
  await convertToImage(bufferSource([{ name: 'x.tar', tar: await packTar([{ name: 'a', content: 'different' }]) }]), other, {});
  assert.is.not(uuid(other), uuid(image), 'UUID derives from the content');
});

test('layers: whiteouts, opaque directories, replaced data is scrubbed', async () => {
  const secret = Buffer.from('SECRET-MARKER-'.repeat(1000));
  const lower = await packTar([
    { name: 'a/keep', content: 'kept' },
    { name: 'a/gone', content: secret },
    { name: 'b/x', content: 'x' },
    { name: 'b/sub/deep', content: 'deep' },
    { name: 'c', content: 'file becomes dir' },
    { name: 'big', content: Buffer.concat([secret, randomBytes(3 << 20)]) },
  ]);
  const plain = await packTar([{ name: 'lit/.wh.literal', content: 'not a whiteout in a plain tar' }]);
  const upper = await packTar([
    { name: 'a/.wh.gone', content: '' },
    { name: 'b/sub/added-before-marker', content: 'same layer as the marker' },
    { name: 'b/.wh..wh..opq', content: '' },
    { name: 'b/z', content: 'z' },
    { name: 'c/', type: 'directory' },
    { name: 'c/inside', content: 'in' },
    { name: 'big', content: 'small now' },
  ]);
  const out = join(dir, 'layers.ext4');
  await convertToImage(
    bufferSource([
      { name: 'lower', tar: lower, whiteouts: true },
      { name: 'upper', tar: upper, whiteouts: true },
      { name: 'plain', tar: plain, whiteouts: false },
    ]),
    out,
  );
  assertFsckClean(out);
  const bytes = readFileSync(out);
  assert.is(bytes.indexOf('SECRET-MARKER-SECRET'), -1, 'deleted and replaced data is not left in the image');
  if (!canMount()) return;
  await withMount(out, (root) => {
    assert.equal(readdirSync(join(root, 'a')), ['keep']);
    assert.equal(readdirSync(join(root, 'b')).sort(), ['sub', 'z']);
    assert.equal(readdirSync(join(root, 'b/sub')), ['added-before-marker'], 'lower b/sub/deep hidden, same-layer file kept');
    assert.equal(readdirSync(join(root, 'c')), ['inside']);
    assert.is(readFileSync(join(root, 'big'), 'utf8'), 'small now');
    assert.equal(readdirSync(join(root, 'lit')), ['.wh.literal']);
  });
});

test('holes of 2 MiB or more take no space and keep the 2 MiB phase', async () => {
  const mib = 1 << 20;
  const sparse = Buffer.alloc(40 * mib);
  sparse.write('start', 0);
  sparse.write('middle', 20 * mib + 4096 * 3);
  sparse.write('end', 40 * mib - 3);
  const out = join(dir, 'sparse.ext4');
  const result = await convertToImage(bufferSource([{ name: 'sparse.tar', tar: await packTar([{ name: 'sparse', content: sparse }]) }]), out, { freeBytes: 0 });
  assert.ok(result.sizeBytes <= 8 * mib, `a 40 MiB file with 3 blocks of data gives a ${result.sizeBytes / mib} MiB image`);
  assertFsckClean(out);
  for (const lblock of [0, (20 * mib) / 4096 + 3, (40 * mib) / 4096 - 1]) {
    const pblock = Number(debugfs(out, `bmap /sparse ${lblock}`).trim());
    assert.is((pblock - lblock) % 512, 0, `block ${lblock} at ${pblock}: same 2 MiB phase`);
  }
  if (!canMount()) return;
  await withMount(out, (root) => assert.ok(readFileSync(join(root, 'sparse')).equals(sparse)));
});

test('a directory of 5000 entries', async () => {
  const many: FixtureEntry[] = [{ name: 'many/', type: 'directory' }];
  for (let i = 0; i < 5000; i++) many.push({ name: `many/file-with-a-longish-name-${String(i).padStart(5, '0')}`, content: String(i) });
  const out = join(dir, 'many.ext4');
  await convertToImage(bufferSource([{ name: 'many.tar', tar: await packTar(many) }]), out);
  assertFsckClean(out);
  if (!canMount()) return;
  assert.match(debugfs(out, 'htree_dump /many'), /Number of entries \(count\): \d+/, 'a hashed (htree) directory');
  await withMount(out, (root) => {
    const names = readdirSync(join(root, 'many'));
    assert.is(names.length, 5000);
    for (const i of [0, 1234, 4321, 4999]) {
      const name = `file-with-a-longish-name-${String(i).padStart(5, '0')}`;
      assert.is(readFileSync(join(root, 'many', name), 'utf8'), String(i), `lookup of ${name} through the index`);
    }
  });
  // The kernel inserts into our index (splitting leaves) and e2fsck still agrees.
  const mnt = mkdtempSync(join(tmpdir(), 'cc-rw-'));
  assert.is(run('mount', ['-o', 'loop,rw', '-t', 'ext4', out, mnt]).status, 0);
  try {
    for (let i = 0; i < 2000; i++) writeFileSync(join(mnt, 'many', `added-later-${i}`), '');
  } finally {
    run('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
  assertFsckClean(out);
});

test('compression is told by magic bytes, not the file name', async () => {
  const plain = join(dir, 'kinds.tar');
  for (const [tool, args] of [
    ['gzip', ['-c']],
    ['xz', ['-c', '-T1']],
    ['zstd', ['-c', '-q']],
    ['bzip2', ['-c']],
  ] as const) {
    const packed = join(dir, `${tool}-but-named.tar`);
    const r = run('sh', ['-c', `${tool} ${args.join(' ')} ${plain} > ${packed}`]);
    assert.is(r.status, 0, r.stderr);
    const out = join(dir, `${tool}.ext4`);
    await convertToImage(await openSource(`tar:${packed}`), out, { epoch: 1_600_000_000 });
    assert.is(sha256File(out), sha256File(image), `${tool}-compressed tar gives the same image`);
  }
});

test.run();
