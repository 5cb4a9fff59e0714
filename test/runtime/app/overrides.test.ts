import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ImageRunConfig } from '../../../manifest/image-manifest.js';
import { applyOverrides, OverrideError, resolveUser, type Accounts, type HostContext } from '../../../runtime/app/overrides.js';

const accounts: Accounts = {
  passwd: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  group: 'root:x:0:\nstaff:x:50:app,other\nextra:x:60:app\napp:x:1000:\nnogroup:x:65534:\n',
};
const config: ImageRunConfig = {
  schema: 'cc.image.v1',
  entrypoint: ['/usr/local/bin/show'],
  cmd: ['from-cmd'],
  env: ['PATH=/usr/bin:/bin', 'GREETING=hello', 'EXIT_CODE=7'],
  workingDir: '/srv',
  user: { uid: 1000, gid: 1000, name: 'app', group: 'app', additionalGids: [50, 60] },
  exposedPorts: [],
  labels: {},
  source: { ref: 'app', digest: 'sha256:0' },
};
const host: HostContext = { env: { FROM_HOST: 'host value' }, resolvConf: 'nameserver 1.1.1.1\n', defaultHostname: 'abcdef012345' };

const err = (kind: string) => (e: unknown) => e instanceof OverrideError && e.kind === kind;

test('no overrides: the image config, HOSTNAME and HOME added', () => {
  const s = applyOverrides(config, {}, accounts, host);
  assert.equal(s.argv, ['/usr/local/bin/show', 'from-cmd']);
  assert.equal(s.env, ['HOSTNAME=abcdef012345', 'PATH=/usr/bin:/bin', 'GREETING=hello', 'EXIT_CODE=7', 'HOME=/home/app']);
  assert.equal([s.uid, s.gid, s.groups, s.cwd, s.hostname], [1000, 1000, [50, 60], '/srv', 'abcdef012345']);
  assert.is(s.resolvConf, host.resolvConf);
});

test('-- CMD replaces cmd and keeps the entrypoint; --entrypoint drops the image cmd', () => {
  assert.equal(applyOverrides(config, { cmd: ['a', 'b c'] }, accounts, host).argv, ['/usr/local/bin/show', 'a', 'b c']);
  assert.equal(applyOverrides(config, { entrypoint: '/bin/sh' }, accounts, host).argv, ['/bin/sh']);
  assert.equal(applyOverrides(config, { entrypoint: '/bin/sh', cmd: ['-c', 'id'] }, accounts, host).argv, ['/bin/sh', '-c', 'id']);
  assert.equal(applyOverrides(config, { entrypoint: '', cmd: ['ls'] }, accounts, host).argv, ['ls']);
});

test('-e and --env-file: files first, then -e; KEY alone takes the host value or is dropped', () => {
  const s = applyOverrides(config, {
    env: ['GREETING=hi', 'FROM_HOST', 'NOT_ON_HOST', 'EQ=a=b'],
    envFiles: [{ path: 'x.env', text: '# comment\n\nGREETING=from-file\nFILE_ONLY=1\r\n  INDENTED=yes\n' }],
  }, accounts, host);
  assert.equal(s.env, [
    'HOSTNAME=abcdef012345', 'PATH=/usr/bin:/bin', 'GREETING=hi', 'EXIT_CODE=7', 'FILE_ONLY=1', 'INDENTED=yes',
    'FROM_HOST=host value', 'EQ=a=b', 'HOME=/home/app',
  ]);
  assert.throws(() => applyOverrides(config, { envFiles: [{ path: 'bad.env', text: 'OK=1\nNOT VALID\n' }] }, accounts, host),
    (e: unknown) => err('bad-env')(e) && /bad\.env:2/.test((e as Error).message));
  assert.throws(() => applyOverrides(config, { env: ['=x'] }, accounts, host), err('bad-env'));
});

test('-u by name: passwd uid/gid/home, supplementary groups from /etc/group', () => {
  assert.equal(resolveUser('app', accounts), { uid: 1000, gid: 1000, groups: [50, 60], home: '/home/app' });
  assert.equal(resolveUser('1000', accounts), { uid: 1000, gid: 1000, groups: [50, 60], home: '/home/app' });
  assert.equal(resolveUser('nobody', accounts), { uid: 65534, gid: 65534, groups: [], home: '/nonexistent' });
});

test('-u USER:GROUP: that group, no supplementary groups (as runc)', () => {
  assert.equal(resolveUser('app:staff', accounts), { uid: 1000, gid: 50, groups: [], home: '/home/app' });
  assert.equal(resolveUser('nobody:60', accounts), { uid: 65534, gid: 60, groups: [], home: '/nonexistent' });
  assert.equal(resolveUser('4321:4321', accounts), { uid: 4321, gid: 4321, groups: [] });
});

test('-u with a numeric uid absent from passwd: gid 0, HOME=/', () => {
  assert.equal(resolveUser('4321', accounts), { uid: 4321, gid: 0, groups: [] });
  const s = applyOverrides(config, { user: '4321' }, accounts, host);
  assert.ok(s.env.includes('HOME=/'));
  assert.equal(resolveUser('0', {}), { uid: 0, gid: 0, groups: [] });
});

test('a user or group the image does not have is an error naming it', () => {
  assert.throws(() => resolveUser('ghost', accounts), (e: unknown) => err('no-user')(e) && /"ghost"/.test((e as Error).message));
  assert.throws(() => resolveUser('app:ghosts', accounts), (e: unknown) => err('no-group')(e) && /"ghosts"/.test((e as Error).message));
  assert.throws(() => resolveUser('someone', {}), (e: unknown) => err('no-user')(e) && /numeric uid/.test((e as OverrideError).hint ?? ''));
});

test('-w must be absolute; --name must be a hostname; both are applied', () => {
  const s = applyOverrides(config, { workdir: '/tmp', name: 'web-1.local' }, accounts, host);
  assert.equal([s.cwd, s.hostname], ['/tmp', 'web-1.local']);
  assert.ok(s.env.includes('HOSTNAME=web-1.local'));
  assert.throws(() => applyOverrides(config, { workdir: 'tmp' }, accounts, host), err('bad-workdir'));
  assert.throws(() => applyOverrides(config, { name: 'no spaces' }, accounts, host), err('bad-name'));
  assert.is(applyOverrides({ ...config, workingDir: '' }, {}, accounts, host).cwd, '/');
});

test('an explicit HOME in the image or -e wins over the passwd one', () => {
  assert.ok(applyOverrides(config, { env: ['HOME=/custom'] }, accounts, host).env.includes('HOME=/custom'));
  assert.not.ok(applyOverrides(config, { env: ['HOME=/custom'] }, accounts, host).env.includes('HOME=/home/app'));
});

test('-t: the spec carries the terminal size and TERM=xterm unless the image sets TERM', () => {
  const s = applyOverrides(config, { tty: { rows: 50, cols: 132 } }, accounts, host);
  assert.equal(s.tty, { rows: 50, cols: 132 });
  assert.ok(s.env.includes('TERM=xterm'));
  assert.ok(applyOverrides({ ...config, env: ['TERM=vt100'] }, { tty: { rows: 1, cols: 1 } }, accounts, host).env.includes('TERM=vt100'));
  assert.is(applyOverrides(config, {}, accounts, host).tty, undefined);
});

test.run();
