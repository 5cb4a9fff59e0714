// cac's --help, made to read the same for every command: the command's description under Usage,
// the sections a command adds (convert's SOURCE forms), examples as `$ …` lines like the usage,
// and no trailing blanks.
import type { CAC, Command } from 'cac';

interface Section {
  title?: string;
  body: string;
}

const extra = new WeakMap<Command, Section[]>();

/** Adds a section with `lines` to `command`'s --help, before its examples. */
export function helpSection(command: Command, title: string, lines: string[]): Command {
  extra.set(command, [...(extra.get(command) ?? []), { title, body: lines.map((l) => `  ${l}`).join('\n') }]);
  return command;
}

/** Installs the help callback; `about` says what the tool is, above the default command's help. */
export function installHelp(cli: CAC, about: string): void {
  cli.help((sections: Section[]) => {
    const command = cli.matchedCommand;
    const description = command?.isDefaultCommand ? `${about}\n  ${command.description}.` : command?.description;
    const out: Section[] = [];
    for (const section of sections) {
      if (section.title?.startsWith('For more info')) {
        // The default command's own line repeats the `cc-build --help` being read.
        out.push({ ...section, body: section.body.split('\n').filter((l) => l !== `  $ ${cli.name} --help`).join('\n') });
      } else if (section.title === 'Examples') {
        out.push(...(command ? extra.get(command) ?? [] : []));
        out.push({ title: section.title, body: section.body.split('\n').map((l) => `  $ ${l}`).join('\n') });
      } else {
        out.push(section);
      }
      if (section.title === 'Usage' && description) out.push({ body: `  ${description}` });
    }
    return out.map((s) => ({ ...s, body: s.body.replace(/[ \t]+$/gm, '') }));
  });
}
