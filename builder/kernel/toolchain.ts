// The compiler and linker a kernel is built with: part of the cache key.
import { $ } from 'zx';

/** First lines of `gcc --version` and `ld --version` (what kbuild uses by default). */
export async function toolchainVersion(): Promise<string> {
  const first = async (cmd: string): Promise<string> => {
    const out = await $`${cmd} --version`.nothrow().quiet();
    return out.exitCode === 0 ? out.stdout.split('\n')[0]!.trim() : `${cmd}: missing`;
  };
  return `${await first('gcc')} | ${await first('ld')}`;
}
