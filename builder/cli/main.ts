// cc-build: the command-line entry. Subcommands live one per file beside this one.
import { cac } from 'cac';
import { registerKernelCommand } from './kernel.js';

const cli = cac('cc-build');
registerKernelCommand(cli);
cli.help();
cli.parse();
