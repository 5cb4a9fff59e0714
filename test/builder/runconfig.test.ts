import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveRunConfig, resolveUser, RunConfigError } from '../../builder/runconfig.js';

const files: Record<string, string> = {
  '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n# comment\nbroken line\napp:x:1000:1000::/home/app:/bin/sh\nweb:x:33:33::/var/www:/bin/false\n',
  '/etc/group': 'root:x:0:\nstaff:x:50:app,web\napp:x:1000:\nwww-data:x:33:\ndocker:x:999:app\n',
};
const read = (path: string) => (path in files ? Buffer.from(files[path]!) : null);
const none = () => null;

async function fails(p: Promise<unknown>, kind: string, text: string): Promise<void> {
  try {
    await p;
    assert.unreachable('expected a failure');
  } catch (err) {
    assert.instance(err, RunConfigError);
    assert.is((err as RunConfigError).kind, kind);
    assert.match((err as Error).message, text);
  }
}

test('empty user is root', async () => {
  assert.equal(await resolveUser('', read), { uid: 0, gid: 0, name: 'root', group: 'root' });
});

test('a name gets its uid, primary gid and the groups that list it', async () => {
  assert.equal(await resolveUser('app', read), { uid: 1000, gid: 1000, name: 'app', group: 'app', additionalGids: [50, 999] });
});

test('user:group by name; the named group is not repeated among the additional ones', async () => {
  assert.equal(await resolveUser('app:staff', read), { uid: 1000, gid: 50, name: 'app', group: 'staff', additionalGids: [999] });
});

test('numeric ids are accepted as they are, named when the files know them', async () => {
  assert.equal(await resolveUser('33', read), { uid: 33, gid: 33, name: 'web', group: 'www-data', additionalGids: [50] });
  assert.equal(await resolveUser('4242:4343', read), { uid: 4242, gid: 4343 });
  assert.equal(await resolveUser('4242:4343', none), { uid: 4242, gid: 4343 });
  assert.equal(await resolveUser('4242', read), { uid: 4242, gid: 0, group: 'root' });
});

test('unknown names fail naming the user or group; so do missing files and ids over 32 bits', async () => {
  await fails(resolveUser('ghost', read), 'unknown-user', 'user "ghost": no such user');
  await fails(resolveUser('app:ghosts', read), 'unknown-group', 'group "ghosts": no such group');
  await fails(resolveUser('app', none), 'unknown-user', 'has no /etc/passwd');
  await fails(resolveUser('4294967296', read), 'bad-id', '4294967296');
});

test('a relative working dir is refused', async () => {
  const declared = { schema: 'cc.image.v1' as const, entrypoint: [], cmd: [], env: [], workingDir: 'srv', user: '', exposedPorts: [], labels: {}, source: { ref: 'x', digest: 'y' } };
  await fails(resolveRunConfig(declared, read), 'bad-working-dir', '"srv"');
});

test.run();
