// The whole recipe pipeline on a small rootfs tarball made here (a fake systemd tree with accounts,
// units and docs), checked on the built image with e2fsck and a read-only loop mount: each step's
// result is in the image, the cache makes a second build fast and identical, bad input leaves no
// output and no cache entry.
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CacheStore } from '../../../builder/cache/store.js';
import { parseRecipe } from '../../../builder/recipe/parse.js';
import { JOURNALD_DROPIN, MASKED_UNITS } from '../../../builder/steps/guest-tuning.js';
import { buildRecipe, type BuildResult } from '../../../builder/steps/pipeline.js';
import { assertFsckClean, canMount, sha256File, withMount } from '../../helpers/image-check.js';
import { pvhElf } from '../../helpers/pvh-elf.js';
import { packTar, type FixtureEntry } from '../../helpers/tar-fixture.js';
import { scratchDir } from '../../helpers/scratch.js';

const dir = scratchDir('recipe');
const cache = new CacheStore(path.join(dir, 'cache'));

const unit = (install: string) => `[Unit]\nDescription=test\n[Service]\nExecStart=/bin/true\n${install}`;

/** A bookworm-shaped tree: merged /usr, systemd units under /usr/lib, accounts, an fstab, docs. */
function rootfsEntries(): FixtureEntry[] {
  const d = (name: string): FixtureEntry => ({ name, type: 'directory' });
  const f = (name: string, content: string, mode = 0o644): FixtureEntry => ({ name, content, mode });
  const l = (name: string, linkname: string): FixtureEntry => ({ name, type: 'symlink', linkname });
  return [
    d('./'), d('./usr/'), d('./usr/bin/'), d('./usr/lib/'), d('./etc/'), d('./dev/'), d('./home/'),
    l('./bin', 'usr/bin'), l('./lib', 'usr/lib'),
    f('./usr/bin/true', '#!/bin/sh\n', 0o755),
    d('./usr/lib/systemd/'), f('./usr/lib/systemd/systemd', 'ELF', 0o755), d('./usr/lib/systemd/system/'),
    f('./usr/lib/systemd/system/multi-user.target', '[Unit]\nDescription=Multi-User\n'),
    f('./usr/lib/systemd/system/getty@.service', unit('[Install]\nWantedBy=getty.target\nDefaultInstance=tty1\n')),
    f('./usr/lib/systemd/system/systemd-udev-settle.service', unit('')),
    f('./usr/lib/systemd/system/serial-getty@.service', '[Unit]\nBindsTo=dev-%i.device\nAfter=dev-%i.device systemd-user-sessions.service\n[Service]\nExecStart=-/sbin/agetty - $TERM\n'),
    f('./usr/lib/systemd/system/fstrim.timer', '[Timer]\nOnCalendar=weekly\n[Install]\nWantedBy=timers.target\n'),
    f('./usr/lib/systemd/system/cron.service', unit('[Install]\nWantedBy=multi-user.target\nAlias=crond.service\n')),
    d('./etc/systemd/'), d('./etc/systemd/system/'), d('./etc/systemd/system/timers.target.wants/'),
    l('./etc/systemd/system/timers.target.wants/fstrim.timer', '/lib/systemd/system/fstrim.timer'),
    f('./etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n'),
    f('./etc/group', 'root:x:0:\nshadow:x:42:\n'),
    f('./etc/shadow', 'root:*:19000:0:99999:7:::\n', 0o640),
    f('./etc/gshadow', 'root:*::\nshadow:*::\n', 0o640),
    f('./etc/fstab', '# UNCONFIGURED FSTAB\n'),
    f('./etc/machine-id', 'uninitialized\n'),
    d('./usr/share/'), d('./usr/share/doc/'), d('./usr/share/doc/base/'), f('./usr/share/doc/base/copyright', 'GPL\n'),
    d('./usr/share/man/'), d('./usr/share/man/man1/'), f('./usr/share/man/man1/true.1.gz', 'man'),
  ];
}

function writeRecipe(name: string, yaml: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, yaml);
  return file;
}

const RECIPE = `
name: tiny
base:
  image: tar:rootfs.tar
files:
  - path: /etc/motd
    content: "built from a recipe\\n"
  - path: /usr/local/bin/hello
    source: hello.sh
    mode: "0755"
    owner: app:staff
users:
  - name: app
    groups: [staff]
groups:
  - name: staff
    gid: 50
systemd:
  units:
    hello.service: |
      [Unit]
      Description=Hello
      [Service]
      ExecStart=/usr/local/bin/hello
      [Install]
      WantedBy=multi-user.target
  enable: [hello.service, cron.service]
  disable: [fstrim.timer]
  mask: [cron-extra.service]
kernel:
  vmlinux: vmlinux
image:
  free: 4M
cmdline: [loglevel=3]
memory: 64M
`;

async function build(yaml: string, out = path.join(dir, 'out')): Promise<BuildResult> {
  const file = writeRecipe('tiny', yaml);
  return buildRecipe(parseRecipe(fs.readFileSync(file, 'utf8'), file), { outDir: out, cache });
}

let first: BuildResult;

test.before(async () => {
  fs.writeFileSync(path.join(dir, 'rootfs.tar'), await packTar(rootfsEntries()));
  fs.writeFileSync(path.join(dir, 'hello.sh'), '#!/bin/sh\necho hello\n');
  fs.writeFileSync(path.join(dir, 'vmlinux'), pvhElf());
  first = await build(RECIPE);
});

test('outputs: image, kernel and manifest side by side, manifest digests match', () => {
  const out = path.join(dir, 'out');
  assert.equal(fs.readdirSync(out).sort(), ['tiny.ext4', 'tiny.json', 'tiny.vmlinux'], 'no staging folder left behind');
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'tiny.json'), 'utf8'));
  assert.equal(manifest, first.manifest);
  assert.is(manifest.image.path, 'tiny.ext4');
  assert.is(manifest.image.sha256, sha256File(path.join(out, 'tiny.ext4')));
  assert.is(manifest.kernel.sha256, sha256File(path.join(out, 'tiny.vmlinux')));
  assert.match(manifest.cmdline, /(^| )root=\/dev\/pmem0 /);
  assert.match(manifest.cmdline, / rootflags=dax=always /);
  assert.match(manifest.cmdline, / loglevel=3$/, 'recipe extras come last');
  assert.equal(manifest.defaults, { memory: '64M', cpus: 1 });
  assert.is(manifest.recipeSha256, sha256File(path.join(dir, 'tiny.yaml')));
  assertFsckClean(path.join(out, 'tiny.ext4'));
});

test('each step shows in the image (read-only loop mount)', async () => {
  if (!canMount()) return;
  await withMount(path.join(dir, 'out/tiny.ext4'), (root) => {
    const read = (p: string) => fs.readFileSync(path.join(root, p), 'utf8');
    const link = (p: string) => fs.readlinkSync(path.join(root, p));
    const st = (p: string) => fs.lstatSync(path.join(root, p));
    // files
    assert.is(read('etc/motd'), 'built from a recipe\n');
    assert.is(st('usr/local/bin/hello').mode & 0o7777, 0o755);
    assert.is(st('usr/local/bin/hello').uid, 1000);
    assert.is(st('usr/local/bin/hello').gid, 50);
    // users and groups
    assert.ok(read('etc/passwd').includes('app:x:1000:1000::/home/app:/bin/sh\n'), read('etc/passwd'));
    assert.ok(read('etc/group').includes('staff:x:50:app\n'));
    assert.ok(read('etc/group').includes('app:x:1000:\n'));
    assert.match(read('etc/shadow'), /^app:!:\d+:0:99999:7:::$/m);
    assert.is(st('etc/shadow').gid, 42, 'shadow stays group shadow');
    assert.is(st('home/app').uid, 1000);
    // systemd: inline unit, enable (WantedBy + Alias), disable, mask, default target
    assert.ok(read('etc/systemd/system/hello.service').includes('ExecStart=/usr/local/bin/hello'));
    assert.is(link('etc/systemd/system/multi-user.target.wants/hello.service'), '/etc/systemd/system/hello.service');
    assert.is(link('etc/systemd/system/multi-user.target.wants/cron.service'), '/usr/lib/systemd/system/cron.service');
    assert.is(link('etc/systemd/system/crond.service'), '/usr/lib/systemd/system/cron.service');
    assert.not.ok(fs.existsSync(path.join(root, 'etc/systemd/system/timers.target.wants/fstrim.timer')), 'disabled');
    assert.is(link('etc/systemd/system/cron-extra.service'), '/dev/null');
    assert.is(link('etc/systemd/system/default.target'), '/usr/lib/systemd/system/multi-user.target');
    // guest tuning
    for (const unit of ['systemd-udev-settle.service', 'getty@.service', 'fstrim.timer']) {
      assert.ok(unit in MASKED_UNITS);
      assert.is(link(`etc/systemd/system/${unit}`), '/dev/null', `${unit} masked`);
    }
    assert.not.ok(fs.existsSync(path.join(root, 'etc/systemd/system/systemd-pstore.service')), 'units the base lacks are not masked');
    assert.is(read('etc/machine-id'), '');
    assert.not.ok(fs.existsSync(path.join(root, 'etc/fstab')));
    assert.match(read(JOURNALD_DROPIN.slice(1)), /Storage=persistent\nSystemMaxUse=4194304\n/);
    assert.is(read('etc/hostname'), 'tiny\n');
    // no udev in the tree: the serial getty must not wait for a device unit
    const getty = read('etc/systemd/system/serial-getty@.service');
    assert.not.match(getty, /^BindsTo=/m);
    assert.match(getty, /^After=systemd-user-sessions\.service$/m);
    assert.match(getty, /ExecStart=-\/sbin\/agetty/);
    // strip: contents gone, folders kept
    assert.not.ok(fs.existsSync(path.join(root, 'usr/share/doc/base/copyright')));
    assert.not.ok(fs.existsSync(path.join(root, 'usr/share/man/man1/true.1.gz')));
    assert.ok(st('usr/share/doc').isDirectory());
    // the base is otherwise untouched, symlinked /lib included
    assert.is(link('lib'), 'usr/lib');
    assert.is(read('usr/bin/true'), '#!/bin/sh\n');
  });
});

test('an unchanged recipe rebuilds from the cache, byte-identical, in under a second', async () => {
  const again = await build(RECIPE);
  assert.ok(again.cached.image);
  assert.is(again.manifest.image!.sha256, first.manifest.image!.sha256);
  assert.ok(again.timings['total']! < 1000, `took ${again.timings['total']} ms`);
});

test('the same recipe built again without the cache gives a byte-identical image', async () => {
  const file = path.join(dir, 'tiny.yaml');
  const fresh = await buildRecipe(parseRecipe(RECIPE, file), { outDir: path.join(dir, 'fresh'), cache: new CacheStore(path.join(dir, 'fresh-cache')) });
  assert.not.ok(fresh.cached.image);
  assert.is(fresh.manifest.image!.sha256, first.manifest.image!.sha256);
});

test('a changed file rebuilds the image only; the same change again is a cache hit', async () => {
  const changed = RECIPE.replace('built from a recipe', 'built again');
  const a = await build(changed, path.join(dir, 'out2'));
  assert.not.ok(a.cached.image);
  assert.is.not(a.manifest.image!.sha256, first.manifest.image!.sha256);
  assert.is(a.manifest.kernel!.sha256, first.manifest.kernel!.sha256);
  const b = await build(changed, path.join(dir, 'out3'));
  assert.ok(b.cached.image);
  assert.is(b.manifest.image!.sha256, a.manifest.image!.sha256);
});

async function failsCleanly(yaml: string, kind: string, message: RegExp): Promise<void> {
  const out = path.join(dir, `bad-${kind}`);
  const cacheBefore = fs.readdirSync(path.join(dir, 'cache'), { recursive: true }).sort();
  try {
    await build(yaml, out);
    assert.unreachable('built');
  } catch (e) {
    if (e instanceof assert.Assertion) throw e;
    assert.is((e as { kind?: string }).kind, kind, (e as Error).message);
    assert.match((e as Error).message, message);
  }
  assert.equal(fs.readdirSync(out), [], 'no partial outputs, no staging folder');
  assert.equal(fs.readdirSync(path.join(dir, 'cache'), { recursive: true }).sort(), cacheBefore, 'cache untouched');
}

test('a missing files: source fails naming it, nothing written', async () => {
  await failsCleanly(RECIPE.replace('source: hello.sh', 'source: nope.sh'), 'missing-file', /files: \/usr\/local\/bin\/hello: cannot read .*nope\.sh \(ENOENT\)/);
});

test('an image size too small fails naming image.size, nothing written', async () => {
  await failsCleanly(RECIPE.replace('free: 4M', 'size: 2M').replace('memory: 64M', 'memory: 65M'), 'image-too-small', /^image\.size: .*(does not fit in the image size asked for|the tree needs \d+ MiB but the image size asked for is 2 MiB)/);
});

test('enabling a unit the guest lacks fails naming it', async () => {
  await failsCleanly(RECIPE.replace('enable: [hello.service, cron.service]', 'enable: [hello.service, nginx.service]'), 'unknown-unit', /systemd\.enable: no unit nginx\.service/);
});

test('an owner the guest lacks fails naming the file', async () => {
  await failsCleanly(RECIPE.replace('owner: app:staff', 'owner: www-data'), 'unknown-account', /files: \/usr\/local\/bin\/hello: the guest has no user "www-data"/);
});

test('no network to the Debian mirror: one clear error, nothing written', async () => {
  await failsCleanly('base:\n  debian:\n    mirror: http://127.0.0.1:3/debian\nkernel:\n  vmlinux: vmlinux\n', 'mirror-unreachable', /cannot reach the Debian mirror http:\/\/127\.0\.0\.1:3\/debian: ECONNREFUSED/);
});

test('a scratch recipe with files builds a tree of just those files', async () => {
  const r = await build('base: scratch\nname: bare\nfiles:\n  - path: /init\n    content: "#!/bin/sh\\n"\n    mode: "0755"\nkernel:\n  vmlinux: vmlinux\n', path.join(dir, 'bare'));
  if (!canMount()) return;
  await withMount(r.outputs.image, (root) => {
    assert.equal(fs.readdirSync(root).sort(), ['init', 'lost+found'], 'no tuning without systemd');
    assert.is(fs.statSync(path.join(root, 'init')).mode & 0o777, 0o755);
  });
});

test.run();
