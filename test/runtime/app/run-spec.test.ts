import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeRunSpec, encodeRunSpec, RunSpecError, type RunSpec } from '../../../runtime/app/run-spec.js';

const APP_INIT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../recipes/guest/app-init');

const spec: RunSpec = {
  argv: ['/bin/sh', '-c', 'echo "$1" \'x\'; `rm -rf /`', '', ' lead and trail ', 'ünïcode ✓', 'line\nbreak'],
  env: ['A=1', 'EMPTY=', 'SPACES=a  b', 'EQ=x=y=z', 'NL=multi\nline', 'QUOTE=\'"$HOME"\''],
  cwd: '/srv/my dir',
  uid: 1000,
  gid: 50,
  groups: [50, 60],
  hostname: 'web1',
  resolvConf: 'nameserver 10.0.0.1\nsearch example\n',
};

test('encode → decode gives the spec back', () => {
  assert.equal(decodeRunSpec(encodeRunSpec(spec)), spec);
  assert.equal(decodeRunSpec(encodeRunSpec({ ...spec, env: [], groups: [] })), { ...spec, env: [], groups: [] });
  assert.equal(decodeRunSpec(encodeRunSpec({ ...spec, tty: { rows: 24, cols: 80 } })), { ...spec, tty: { rows: 24, cols: 80 } });
});

test('the header line states the body length in bytes', () => {
  const bytes = Buffer.from(encodeRunSpec(spec));
  const nl = bytes.indexOf(10);
  const [magic, length] = bytes.subarray(0, nl).toString().split(' ');
  assert.is(magic, 'cc.spec.v1');
  assert.is(Number(length), bytes.length - nl - 1);
});

test('the guest\'s own parser (app-init --print-spec, bash) reads every field exactly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cc-spec-'));
  try {
    for (const s of [spec, { ...spec, env: [], groups: [] }, { ...spec, argv: ['true'], tty: { rows: 50, cols: 132 } }]) {
      // Padding after the body, as in the pmem region (2 MiB, zero-filled).
      writeFileSync(join(dir, 'spec'), Buffer.concat([encodeRunSpec(s), Buffer.alloc(4096)]));
      const out = execFileSync('bash', [APP_INIT, '--print-spec', join(dir, 'spec')]);
      assert.equal(decodeRunSpec(encodeRunSpec(s)), s);
      const fields = out.toString('utf8').split('\0').slice(0, -1);
      const tty = 'tty' in s && s.tty ? `${s.tty.rows}x${s.tty.cols}` : '';
      const expected = [String(s.uid), String(s.gid), s.groups.join(','), s.cwd, s.hostname, s.resolvConf, tty, String(s.env.length), ...s.env, ...s.argv];
      assert.equal(fields, expected);
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('bad specs are refused: a NUL inside a field, no command, a relative cwd', () => {
  assert.throws(() => encodeRunSpec({ ...spec, env: ['A=\0'] }), (e: unknown) => e instanceof RunSpecError && e.kind === 'nul');
  assert.throws(() => encodeRunSpec({ ...spec, argv: [] }), (e: unknown) => e instanceof RunSpecError && e.kind === 'empty-argv');
  assert.throws(() => encodeRunSpec({ ...spec, cwd: 'srv' }), (e: unknown) => e instanceof RunSpecError && e.kind === 'bad-cwd');
});

test.run();
