import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { emptyIndex } from '../../../builder/overlay/base-index.js';
import { Overlay } from '../../../builder/overlay/overlay.js';
import { RootView } from '../../../builder/overlay/root-view.js';

function view(): RootView {
  const index = emptyIndex();
  Object.assign(index.types, { '/usr': 'dir', '/usr/lib': 'dir', '/lib': 'symlink', '/usr/lib/os-release': 'file', '/etc': 'dir', '/etc/os-release': 'symlink', '/etc/fstab': 'file' });
  Object.assign(index.symlinks, { '/lib': 'usr/lib', '/etc/os-release': '../usr/lib/os-release' });
  Object.assign(index.contents, { '/usr/lib/os-release': 'ID=debian\n' });
  return new RootView(index, new Overlay(0));
}

test('reads follow relative and absolute symlinks through the base', () => {
  const root = view();
  assert.is(root.resolve('/lib/os-release'), '/usr/lib/os-release');
  assert.is(root.read('/etc/os-release'), 'ID=debian\n');
  assert.is(root.resolve('/etc/os-release', false), '/etc/os-release');
});

test('writes land where the guest looks: parent symlinks resolved, last name kept', () => {
  const root = view();
  root.writeFile('/lib/systemd/x.conf', 'x');
  assert.ok(root.overlay.get('/usr/lib/systemd/x.conf'));
  assert.is(root.read('/usr/lib/systemd/x.conf'), 'x');
});

test('remove whites out base paths and forgets overlay-only ones', async () => {
  const root = view();
  root.remove('/etc/fstab');
  root.writeFile('/etc/new', 'n');
  root.remove('/etc/new');
  assert.not.ok(root.exists('/etc/fstab'));
  assert.equal(root.overlay.paths(), ['/etc/fstab']);
  const tar = await root.overlay.toTar();
  assert.ok(tar.includes(Buffer.from('etc/.wh.fstab')));
});

test('the overlay tar is the same bytes for the same edits', async () => {
  const a = view();
  const b = view();
  for (const r of [a, b]) {
    r.writeFile('/etc/motd', 'hi', { mode: 0o600 });
    r.symlink('/etc/systemd/system/x.service', '/dev/null');
  }
  assert.is((await a.overlay.toLayer()).digest, (await b.overlay.toLayer()).digest);
});

test.run();
