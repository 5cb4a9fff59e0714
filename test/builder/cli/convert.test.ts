// cc-build convert as users run it: stdin, --json, and bad input that must give a one-line error
// naming the entry, a non-zero exit, and no output or temp file left behind.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertFsckClean } from '../../helpers/image-check.js';
import { packTar } from '../../helpers/tar-fixture.js';
import { scratchDir } from '../../helpers/scratch.js';

const BIN = fileURLToPath(new URL('../../../../bin/cc-build.js', import.meta.url));
const dir = scratchDir('cli');

function ccBuild(args: string[], input?: Buffer) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, cwd: dir });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** The folder holds exactly these names (no temp files, no partial output). */
function assertFolder(names: string[]) {
  assert.equal(readdirSync(dir).sort(), [...names].sort());
}

let good: Buffer;
test.before(async () => {
  good = await packTar([
    { name: 'etc/hostname', content: 'cc\n' },
    { name: 'usr/bin/tool', content: Buffer.alloc(10 << 20, 7) },
  ]);
  writeFileSync(join(dir, 'good.tar'), good);
});

test('convert - reads a tarball from stdin and prints JSON', () => {
  const r = ccBuild(['convert', '-', '-o', 'stdin.ext4', '--json'], good);
  assert.is(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.is(result.path, join(dir, 'stdin.ext4'));
  assert.is(result.sizeBytes % (2 << 20), 0);
  assertFsckClean(join(dir, 'stdin.ext4'));
  rmSync(join(dir, 'stdin.ext4'));
});

test('--size and --free set the image size', () => {
  let r = ccBuild(['convert', 'tar:good.tar', '-o', 'sized.ext4', '--size', '64M', '--json']);
  assert.is(r.status, 0, r.stderr);
  assert.is(JSON.parse(r.stdout).sizeBytes, 64 << 20);
  r = ccBuild(['convert', 'tar:good.tar', '-o', 'free.ext4', '--free', '10M', '--json']);
  assert.is(r.status, 0, r.stderr);
  const size = JSON.parse(r.stdout).sizeBytes;
  assert.ok(size >= (20 << 20) && size <= (26 << 20), `10 MiB data + 10 MiB free gives ${size}`);
  rmSync(join(dir, 'sized.ext4'));
  rmSync(join(dir, 'free.ext4'));
});

function badInput(title: string, tar: () => Promise<Buffer> | Buffer, message: RegExp, args: string[] = []) {
  test(`bad input: ${title}`, async () => {
    writeFileSync(join(dir, 'bad.tar'), await tar());
    const r = ccBuild(['convert', 'tar:bad.tar', '-o', 'bad.ext4', ...args]);
    assert.is.not(r.status, 0, 'exit status');
    const lines = r.stderr.trim().split('\n');
    assert.is(lines.length, 1, `one line: ${r.stderr}`);
    assert.match(lines[0]!, message);
    rmSync(join(dir, 'bad.tar'));
    assertFolder(['good.tar']);
  });
}

badInput('truncated tar names the entry', () => good.subarray(0, 1024 + 300), /truncated tar after etc\/hostname/);
badInput('truncated in the middle of file data', () => good.subarray(0, 2048 + 512 * 3 + 100000), /usr\/bin\/tool: truncated tar/);
badInput(
  'corrupt header',
  () => {
    const b = Buffer.from(good);
    b.write('garbage!', 1024, 'latin1'); // second header's name: checksum no longer matches
    return b;
  },
  /corrupt tar header after etc\/hostname \(bad checksum\)/,
);
badInput('not a tar at all', () => Buffer.from('hello, this is not a tar archive'.repeat(40)), /corrupt tar header at the start/);
badInput('hard link to a missing target', () => packTar([{ name: 'a', type: 'link', linkname: 'missing/file' }]), /bad\.tar: a: hard link to missing target \/missing\/file/);
badInput(
  'symlink loop',
  () =>
    packTar([
      { name: 'x', type: 'symlink', linkname: 'y' },
      { name: 'y', type: 'symlink', linkname: 'x' },
      { name: 'h', type: 'link', linkname: 'x/file' },
    ]),
  /bad\.tar: h: hard link target \/x\/file: symlink loop/,
);
badInput('file too large for --size', () => packTar([{ name: 'big', content: Buffer.alloc(8 << 20, 1) }]), /big: does not fit in the image size/, ['--size', '4M']);
badInput('a name longer than ext4 allows', () => packTar([{ name: `dir/${'n'.repeat(300)}`, content: 'x' }]), /\/dir\/n+…: name is 300 bytes \(ext4 allows 255\)/);
badInput('files whose metadata does not fit --size', () => packTar(Array.from({ length: 3000 }, (_, i) => ({ name: `f${i}`, content: '' }))), /the tree needs 4 MiB but the image size asked for is 2 MiB \(raise --size or leave it out\)/, ['--size', '2M']);
badInput('corrupt gzip', () => Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), Buffer.alloc(100, 0x55)]), /gzip data is corrupt/);

test('bad output: a missing folder', () => {
  const r = ccBuild(['convert', 'tar:good.tar', '-o', 'no/such/dir/out.ext4']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^cc-build: no\/such\/dir\/out\.ext4: folder .* does not exist/);
  assertFolder(['good.tar']);
});

test('bad source: unknown transport, missing file', () => {
  let r = ccBuild(['convert', 'nope:x', '-o', 'x.ext4']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /unknown transport 'nope'.*tar:/);
  r = ccBuild(['convert', 'tar:missing.tar', '-o', 'x.ext4']);
  assert.match(r.stderr, /missing\.tar: no such file/);
  assertFolder(['good.tar']);
});

test('usage errors: one line naming the option or argument, and where help is', () => {
  let r = ccBuild(['convert', 'tar:good.tar', '-o', 'x.ext4', '--bogus']);
  assert.is(r.status, 1);
  assert.is(r.stderr, 'cc-build: Unknown option `--bogus` (see cc-build convert --help)\n');
  r = ccBuild(['convert']);
  assert.is(r.status, 1);
  assert.is(r.stderr, 'cc-build: missing required args for command `convert <source>` (see cc-build convert --help)\n');
  assertFolder(['good.tar']);
});

test('Ctrl-C while reading stdin leaves no temp file', async () => {
  const child = spawn(process.execPath, [BIN, 'convert', '-', '-o', 'int.ext4'], { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'] });
  child.stdin.on('error', () => {});
  child.stdin.write(good.subarray(0, 1 << 20));
  for (let i = 0; i < 100 && !readdirSync(dir).some((n) => n.endsWith('.tmp')); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(readdirSync(dir).some((n) => n.endsWith('.tmp')), 'temp file exists while converting');
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.is(code, 130);
  assertFolder(['good.tar']);
  assert.not.ok(existsSync(join(dir, 'int.ext4')));
});

test.run();
