import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { manifestPathFor, manifestRelative, readManifest, withoutPciOff } from '../../../runtime/cli/defaults.js';
import type { BuildManifest } from '../../../manifest/image-manifest.js';
import type { ConfigError } from '../../../runtime/vmm/errors.js';

test('the build manifest beside the image: NAME.json, paths relative to it, schema checked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cc-defaults-'));
  try {
    const image = join(dir, 'minimal.ext4');
    assert.is(manifestPathFor(image), join(dir, 'minimal.json'));
    assert.is(readManifest(image), undefined);
    const manifest: BuildManifest = {
      schema: 'cc.build.v1', name: 'minimal', cmdline: 'console=ttyS0 root=/dev/pmem0 rw', defaults: { memory: '512M', cpus: 2 },
      kernel: { path: 'kernels/vmlinux', sha256: '0'.repeat(64), size: 1 },
    };
    writeFileSync(join(dir, 'minimal.json'), JSON.stringify(manifest));
    const found = readManifest(image)!;
    assert.equal(found.manifest.defaults, { memory: '512M', cpus: 2 });
    assert.is(manifestRelative(found.path, found.manifest.kernel!.path), join(dir, 'kernels/vmlinux'));
    writeFileSync(join(dir, 'minimal.json'), JSON.stringify({ ...manifest, schema: 'other' }));
    assert.throws(() => readManifest(image), (e: ConfigError) => /unknown manifest schema/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('pci=off is dropped with a warning (no PCI survey, no e820 pmem)', () => {
  assert.equal(withoutPciOff('console=ttyS0 quiet'), { cmdline: 'console=ttyS0 quiet' });
  const r = withoutPciOff('console=ttyS0 pci=off  root=/dev/pmem0 ');
  assert.is(r.cmdline, 'console=ttyS0 root=/dev/pmem0');
  assert.match(r.warning!, /pmem/);
});

test.run();
