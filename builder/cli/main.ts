// cc-build: the command-line entry. Subcommands live one per file beside this one.
import { cac } from 'cac';
import { registerConvert } from './convert.js';
import { registerKernelCommand } from './kernel.js';
import { registerRecipe } from './recipe.js';

const cli = cac('cc-build');
registerConvert(cli);
registerKernelCommand(cli);
// The default command: cc-build RECIPE.yaml (registered last so named commands match first).
registerRecipe(cli);
cli.help();
// cac drops a lone `-`; it means a tarball on stdin, which the tar transport reads as `tar:-`.
cli.parse(process.argv.map((arg, i) => (i > 1 && arg === '-' ? 'tar:-' : arg)));
