// cc-build: the command-line entry. Subcommands live one per file beside this one.
import { cac } from 'cac';

const cli = cac('cc-build');
cli.help();
cli.parse();
