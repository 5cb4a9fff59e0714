// cc-run: the command-line entry.
import { cac } from 'cac';

const cli = cac('cc-run');
cli.help();
cli.parse();
