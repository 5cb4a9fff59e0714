// Step: the recipe's files, copied from beside the recipe or written from inline content, with
// their mode and owner (names resolved against the guest's accounts, after the accounts step).
import fs from 'node:fs/promises';
import { readAccounts, resolveId } from './accounts.js';
import type { BuildContext } from './context.js';
import { BuildError } from './errors.js';

export async function files(ctx: BuildContext): Promise<void> {
  if (ctx.recipe.files.length === 0) return;
  const accounts = readAccounts(ctx.root);
  for (const f of ctx.recipe.files) {
    let content: Buffer;
    if (f.source !== undefined) {
      try {
        content = await fs.readFile(f.source);
      } catch (cause) {
        throw new BuildError('missing-file', `files: ${f.path}: cannot read ${f.source} (${(cause as NodeJS.ErrnoException).code})`, "source: paths are taken from the recipe's folder", { cause });
      }
    } else {
      content = Buffer.from(f.content!);
    }
    const own = (kind: 'user' | 'group', name: string) => {
      try {
        return resolveId(accounts, kind, name);
      } catch (e) {
        throw new BuildError('unknown-account', `files: ${f.path}: ${(e as Error).message}`, (e as BuildError).hint);
      }
    };
    ctx.root.writeFile(f.path, content, { mode: f.mode, uid: own('user', f.owner.user), gid: own('group', f.owner.group) });
  }
}
