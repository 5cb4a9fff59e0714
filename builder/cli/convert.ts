// cc-build convert SOURCE -o OUT.ext4: a rootfs tarball or container image to a DAX-ready ext4 image.
import type { CAC } from 'cac';
import { Listr } from 'listr2';
import { convertToImage, type ImageResult } from '../convert.js';
import { storeRunConfig } from '../runconfig.js';
import { DEFAULT_SOURCE_OPTIONS, openSource, transports } from '../sources/index.js';
import type { ImageRunConfig } from '../../manifest/image-manifest.js';
import { report } from './errors.js';
import { helpSection } from './help.js';
import { sizeFlag } from './size.js';

interface ConvertFlags {
  output?: string;
  size?: string;
  free?: string;
  json?: boolean;
  debug?: boolean;
  aciStore?: string;
}

const SOURCE_FORMS = [
  'tar:FILE                         a rootfs tarball: plain, gzip, xz, zstd or bzip2 (read by content)',
  '-                                a rootfs tarball on stdin',
  'oci:DIR[:REF]                    an OCI image layout (REF may be left out when it holds one image)',
  'oci-archive:FILE[:REF]           a tar of an OCI image layout',
  'docker-archive:FILE[:NAME:TAG]   a `docker save` tarball',
  'aci:FILE                         an appc image; dependencies come from --aci-store',
];

export function registerConvert(cli: CAC): void {
  const command = cli
    .command('convert <source>', `Convert a rootfs tarball or container image to a DAX-ready ext4 image (transports: ${transports().join(', ')}, - for stdin)`)
    .usage('convert SOURCE -o OUT.ext4 [--size SIZE | --free SIZE] [--json]')
    .option('-o, --output <file>', 'Image to write (written to a temp file beside it, renamed when complete)')
    .option('--size <size>', 'Exact image size, e.g. 2G (rounded up to 2 MiB)')
    .option('--free <size>', 'Free space to leave when --size is not given (default: 25% of the content, at least 64M)')
    .option('--aci-store <dir>', 'Folder of appc images that aci: dependencies are resolved from')
    .option('--json', 'Print the result as JSON (with the image\'s run configuration)')
    .option('--debug', 'Print the cause chain of errors')
    .example('cc-build convert tar:rootfs.tar.zst -o out/rootfs.ext4')
    .example('mmdebstrap --variant=minbase bookworm - | cc-build convert - -o out/debian.ext4 --free 256M')
    .example('cc-build convert oci:./layout:latest -o out/app.ext4 --json')
    .example('cc-build convert docker-archive:app.tar:app:1.0 -o out/app.ext4')
    .example('cc-build convert aci:app.aci --aci-store ./acis -o out/app.ext4')
    .action(async (sourceRef: string, flags: ConvertFlags) => {
      try {
        if (!flags.output) throw Object.assign(new Error('convert: missing -o OUT.ext4'), { hint: 'cc-build convert SOURCE -o OUT.ext4' });
        if (flags.size !== undefined && flags.free !== undefined) {
          throw Object.assign(new Error('convert: --size and --free exclude each other'), { hint: '--size fixes the image size; --free sizes it from the content' });
        }
        const sizeBytes = flags.size !== undefined ? sizeFlag(flags.size, '--size') : undefined;
        const freeBytes = flags.free !== undefined ? sizeFlag(flags.free, '--free') : undefined;
        const result = await runConvert(sourceRef, flags.output, { sizeBytes, freeBytes, quiet: !!flags.json, aciStore: flags.aciStore });
        if (flags.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        else process.stdout.write(`${result.path}: ${(result.sizeBytes / 2 ** 20).toFixed(0)} MiB, ${result.usedInodes} inodes, uuid ${result.uuid}\n`);
      } catch (err) {
        report(err, flags.debug);
      }
    });
  helpSection(command, 'Sources', SOURCE_FORMS);
}

async function runConvert(
  ref: string,
  output: string,
  o: { sizeBytes?: number; freeBytes?: number; quiet: boolean; aciStore?: string },
): Promise<ImageResult & { runConfig?: ImageRunConfig }> {
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let result: ImageResult | undefined;
  let runConfig: ImageRunConfig | null = null;
  try {
    const tasks = new Listr(
      [
        {
          title: `Convert ${ref}`,
          task: async (_ctx, task) => {
            const source = await openSource(ref, { ...DEFAULT_SOURCE_OPTIONS, aciStore: o.aciStore });
            let layerName = '';
            let last = 0;
            result = await convertToImage(source, output, {
              sizeBytes: o.sizeBytes,
              freeBytes: o.freeBytes,
              signal: abort.signal,
              finalize: async (tree, src) => {
                runConfig = await storeRunConfig(tree, src);
              },
              onLayer: (name, i) => {
                layerName = name;
                task.output = `layer ${i + 1}: ${name}`;
              },
              onProgress: (bytes) => {
                if (bytes - last < 16 << 20) return;
                last = bytes;
                task.output = `layer ${layerName}: ${(bytes / 2 ** 20).toFixed(0)} MiB read`;
              },
            });
            task.title = `Wrote ${output} (${(result.sizeBytes / 2 ** 20).toFixed(0)} MiB)`;
          },
        },
      ],
      // The spinner and layer progress show while it runs and are cleared at the end, so what stays
      // is one line: the result on stdout or report()'s error on stderr. Without a terminal there is
      // no progress.
      { renderer: o.quiet ? 'silent' : 'default', fallbackRenderer: 'silent', exitOnError: true, registerSignalListeners: false, rendererOptions: { clearOutput: true } },
    );
    await tasks.run();
    return runConfig ? { ...result!, runConfig } : result!;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
