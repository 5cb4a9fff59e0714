// cc-build: the command-line entry. Subcommands live one per file beside this one.
import { cac } from 'cac';
import { registerConvert } from './convert.js';

const cli = cac('cc-build');
registerConvert(cli);
cli.help();
cli.parse();
