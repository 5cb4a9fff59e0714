import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FALLBACK_MIRROR, hostMirror, parseAptSources } from '../../../builder/sources/apt-sources.js';

test('deb822 stanzas: enabled deb entries with their suites', () => {
  const text = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm

Types: deb
URIs: http://off.example/debian
Suites: trixie
Enabled: no
`;
  assert.equal(parseAptSources(text, true), [{ uris: ['http://mirror.example/debian'], suites: ['bookworm', 'bookworm-updates'] }]);
});

test('one-line sources.list, options in brackets skipped', () => {
  const text = '# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://a.example/debian bookworm main\ndeb-src http://b.example bookworm main\n';
  assert.equal(parseAptSources(text, false), [{ uris: ['http://a.example/debian'], suites: ['bookworm'] }]);
});

test('hostMirror picks the source serving the suite, else deb.debian.org', () => {
  const etc = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-apt-'));
  fs.mkdirSync(path.join(etc, 'sources.list.d'));
  fs.writeFileSync(path.join(etc, 'sources.list.d/debian.sources'), 'Types: deb\nURIs: http://proxy.local:3142/debian/\nSuites: bookworm\nComponents: main\n');
  assert.is(hostMirror('bookworm', etc), 'http://proxy.local:3142/debian');
  assert.is(hostMirror('trixie', etc), FALLBACK_MIRROR);
  fs.rmSync(etc, { recursive: true });
});

test.run();
