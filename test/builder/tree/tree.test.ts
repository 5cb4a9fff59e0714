// The tree's programmatic API (what the recipe builder and the OCI converter call), checked
// through a real image: edits, reads through symlinks, and the errors users see.
import { mkdtempSync, openSync, closeSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Ext4Writer } from '../../../builder/ext4/writer.js';
import { FileTree, TreeError } from '../../../builder/tree/tree.js';
import { assertFsckClean, canMount, withMount, xattrsOf } from '../../helpers/image-check.js';

const dir = mkdtempSync(join(tmpdir(), 'cc-tree-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function newTree(name: string) {
  const path = join(dir, name);
  const fd = openSync(path, 'w+');
  const writer = new Ext4Writer(fd, { epoch: 1_650_000_000 });
  const tree = new FileTree(writer.data, { epoch: 1_650_000_000 });
  return {
    tree,
    path,
    close() {
      writer.close(tree);
      closeSync(fd);
    },
  };
}

test('programmatic edits land in the image', async () => {
  const { tree, path, close } = newTree('edits.ext4');
  const host = join(dir, 'host-file');
  writeFileSync(host, 'from the host\n');
  await tree.addFile('/etc/passwd', Buffer.from('root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n'));
  await tree.addFile('/usr/share/host', { hostPath: host }, { mode: 0o600, uid: 7, gid: 8 });
  tree.mkdir('/var/lib/app', { mode: 0o750, uid: 1000, gid: 1000 });
  tree.mkdir('/var/lib/app'); // again: keeps its metadata
  tree.symlink('/etc/alias', 'passwd');
  tree.symlink('/abs', '/etc');
  tree.mknod('/dev/console', 'char', { mode: 0o600 }, { major: 5, minor: 1 });
  tree.mknod('/run/ctl', 'fifo');
  tree.link('/etc/passwd-hard', '/etc/passwd');
  await tree.addFile('/tmp/gone', Buffer.from('removed'));
  assert.ok(tree.remove('/tmp/gone'));
  assert.not.ok(tree.remove('/tmp/never'));
  tree.chmod('/usr/share/host', 0o4755);
  tree.chown('/etc/alias', 3, 4);
  tree.setXattr('/usr/share/host', 'user.origin', Buffer.from([0, 1, 2, 0xff]));

  assert.is((await tree.readFile('/abs/alias')).toString().split('\n')[1], 'app:x:1000:1000::/home/app:/bin/sh');
  assert.is(tree.lookup('/etc/alias')!.kind, 'symlink');
  assert.is(tree.lookup('/etc/alias', { follow: true })!.kind, 'file');
  assert.is(tree.lookup('/var/lib/app')!.mode, 0o750);
  assert.is(tree.lookup('/nothing'), undefined);
  close();
  assertFsckClean(path);
  if (!canMount()) return;
  await withMount(path, (root) => {
    assert.is(readFileSync(join(root, 'usr/share/host'), 'utf8'), 'from the host\n');
    const st = statSync(join(root, 'usr/share/host'));
    assert.equal([st.mode & 0o7777, st.uid, st.gid], [0o4755, 7, 8]);
    assert.is(xattrsOf(join(root, 'usr/share/host'))['user.origin'], '000102ff');
    assert.is(statSync(join(root, 'var/lib/app')).mode & 0o7777, 0o750);
    assert.is(readlinkSync(join(root, 'etc/alias')), 'passwd');
    assert.is(statSync(join(root, 'etc/passwd')).nlink, 2);
    assert.is(statSync(join(root, 'dev/console')).rdev, (5 << 8) | 1);
    assert.ok(statSync(join(root, 'run/ctl')).isFIFO());
    assert.is(statSync(join(root, 'etc/passwd')).mtimeMs, 1_650_000_000_000, 'SOURCE_DATE_EPOCH-style default time');
  });
});

test('readFile: missing, not a file, symlink loop', async () => {
  const { tree, close } = newTree('errors.ext4');
  tree.symlink('/a', 'b');
  tree.symlink('/b', 'a');
  tree.mkdir('/d');
  const err = async (p: string) => tree.readFile(p).then(() => null, (e: TreeError) => e);
  assert.is((await err('/missing'))?.kind, 'not-found');
  assert.is((await err('/d'))?.kind, 'not-a-file');
  const loop = await err('/a');
  assert.is(loop?.kind, 'symlink-loop');
  assert.match(loop!.message, /^\/a: symlink loop/);
  close();
});

test('a symlink inside the tree is never followed when placing entries', async () => {
  const { tree, path, close } = newTree('nofollow.ext4');
  await tree.addFile('/lost+found', Buffer.from('a file where e2fsck wants a directory'));
  tree.symlink('/lib', '/usr/lib');
  await tree.addFile('/lib/file', Buffer.from('x'));
  assert.is(tree.lookup('/lib')!.kind, 'dir', 'the symlink was replaced by a directory, not followed');
  assert.is(tree.lookup('/usr/lib'), undefined);
  close();
  assert.is(tree.lookup('/lost+found')!.kind, 'dir');
  assertFsckClean(path);
});

test.run();
