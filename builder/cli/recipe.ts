// cc-build RECIPE.yaml [-o DIR] [--json]: the default command — a guest image, kernel and
// manifest from a recipe (see recipes/README.md).
import type { CAC } from 'cac';
import { dumpRecipe } from '../recipe/dump.js';
import { readRecipe } from '../recipe/parse.js';
import { buildRecipe } from '../steps/pipeline.js';
import { report } from './errors.js';

interface RecipeFlags {
  output: string;
  json?: boolean;
  printConfig?: boolean;
  debug?: boolean;
}

export function registerRecipe(cli: CAC): void {
  cli
    .command('[recipe]', 'Build a guest from a recipe: OUT/NAME.ext4, OUT/NAME.vmlinux, OUT/NAME.json')
    .option('-o, --output <dir>', 'Output folder', { default: 'out' })
    .option('--json', 'Print the result (manifest, output paths, cache hits, step timings) as JSON')
    .option('--print-config', 'Print the validated recipe, every default filled in, as JSON; build nothing')
    .option('--debug', 'Print the cause chain of errors')
    .example('cc-build recipes/minimal.yaml')
    .example('cc-build recipes/web.yaml -o /var/tmp/guests --json')
    .action(async (file: string | undefined, flags: RecipeFlags) => {
      if (file === undefined) {
        cli.outputHelp();
        return;
      }
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const recipe = await readRecipe(file);
        if (flags.printConfig) {
          process.stdout.write(JSON.stringify(dumpRecipe(recipe), null, 2) + '\n');
          return;
        }
        const result = await buildRecipe(recipe, { outDir: flags.output, renderer: flags.json ? 'silent' : 'default', signal: abort.signal });
        if (flags.json) {
          process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        } else {
          const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
          process.stdout.write(`${result.outputs.image} (${mib(result.manifest.image!.size)}), ${result.outputs.kernel}, ${result.outputs.manifest} in ${(result.timings['total']! / 1000).toFixed(1)} s\n`);
        }
      } catch (err) {
        report(err, flags.debug);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
