// cc-run's answers to bad input: one line on stderr, a non-zero status, nothing written.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tinyVmlinux } from '../../fixtures/tiny-vmlinux.js';

const dir = mkdtempSync(join(tmpdir(), 'cc-run-cli-'));
const image = join(dir, 'ok.ext4');
execFileSync('mke2fs', ['-q', '-F', '-t', 'ext4', '-b', '4096', image, '4M'], { stdio: 'pipe' });
const vmlinux = join(dir, 'vmlinux');
writeFileSync(vmlinux, tinyVmlinux());
const bzImage = join(dir, 'bzImage');
const bz = new Uint8Array(0x400);
bz.set([0x4d, 0x5a]);
bz.set([0x48, 0x64, 0x72, 0x53], 0x202);
writeFileSync(bzImage, bz);
const notExt4 = join(dir, 'zeros.img');
writeFileSync(notExt4, new Uint8Array(8192));

function ccRun(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/cc-run.js', ...args], { encoding: 'utf8' });
  return { status: r.status, lines: r.stderr.trim().split('\n') };
}

const cases: [string, string[], RegExp][] = [
  ['not ext4', [notExt4, '--kernel', vmlinux], /zeros\.img: not an ext4 image .*0xEF53/],
  ['missing image', [join(dir, 'nope.ext4'), '--kernel', vmlinux], /nope\.ext4: no such image/],
  ['no kernel', [image], /no kernel given .*--kernel/],
  ['bzImage', [image, '--kernel', bzImage], /compressed bzImage.*extract-vmlinux/],
  ['memory too small', [image, '--kernel', vmlinux, '--memory', '32M'], /memory 32M is too small.*--memory \d+M/],
  ['bad size', [image, '--kernel', vmlinux, '--memory', 'lots'], /--memory lots: not a size/],
  ['bad cpus', [image, '--kernel', vmlinux, '--cpus', '0'], /--cpus 0: not a positive whole number/],
];

for (const [name, args, message] of cases) {
  test(`bad input: ${name}`, () => {
    const r = ccRun(...args);
    assert.is(r.status, 1);
    assert.is(r.lines.length, 1, r.lines.join('\n'));
    assert.match(r.lines[0]!, message);
  });
}

test('nothing was written beside the inputs', () => {
  assert.equal(readdirSync(dir).sort(), ['bzImage', 'ok.ext4', 'vmlinux', 'zeros.img']);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
