// cc-build: the command-line entry. Subcommands live one per file beside this one.
import { readFileSync } from 'node:fs';
import { cac } from 'cac';
import { registerConvert } from './convert.js';
import { report } from './errors.js';
import { installHelp } from './help.js';
import { registerKernelCommand } from './kernel.js';
import { registerRecipe } from './recipe.js';

const cli = cac('cc-build');
registerConvert(cli);
registerKernelCommand(cli);
// The default command: cc-build RECIPE.yaml (registered last so named commands match first).
registerRecipe(cli);
const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
cli.version(pkg.version);
installHelp(cli, 'Builds guests that run as tiny KVM virtual machines: an ext4 image made for virtio-pmem and DAX,\n  a tuned vmlinux, and a manifest that cc-run reads.');
try {
  // cac drops a lone `-`; it means a tarball on stdin, which the tar transport reads as `tar:-`.
  cli.parse(process.argv.map((arg, i) => (i > 1 && arg === '-' ? 'tar:-' : arg)));
} catch (err) {
  // cac's own usage errors (an unknown option, a missing argument), thrown before any action runs.
  const command = cli.matchedCommand?.name ? `${cli.matchedCommand.name} ` : '';
  report(Object.assign(err as Error, { hint: `see cc-build ${command}--help` }));
}
