import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { installSection } from '../../../builder/steps/systemd.js';

test('[Install]: repeated keys add up, an empty value resets, other sections ignored', () => {
  const unit = `[Unit]
WantedBy=not-here.target
[Service]
ExecStart=/bin/true
[Install]
WantedBy=multi-user.target
WantedBy=graphical.target
RequiredBy=a.target b.target
RequiredBy=
RequiredBy=c.target
Alias=x.service
Also=helper.socket
DefaultInstance=tty1
`;
  assert.equal(installSection(unit), {
    wantedBy: ['multi-user.target', 'graphical.target'],
    requiredBy: ['c.target'],
    alias: ['x.service'],
    also: ['helper.socket'],
    defaultInstance: 'tty1',
  });
});

test('a unit without [Install] has nothing to enable', () => {
  assert.equal(installSection('[Service]\nExecStart=/bin/true\n'), { wantedBy: [], requiredBy: [], alias: [], also: [] });
});

test.run();
