// The host's Debian mirror, read from its apt sources, so that a recipe without `mirror:` fetches
// from wherever this machine already does (a local proxy or snapshot included).
import fs from 'node:fs';
import path from 'node:path';

export const FALLBACK_MIRROR = 'http://deb.debian.org/debian';

interface AptSource {
  uris: string[];
  suites: string[];
}

/** deb822 `.sources` stanzas and one-line `sources.list` entries of type `deb`. */
export function parseAptSources(text: string, deb822: boolean): AptSource[] {
  if (!deb822) {
    return text
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim().split(/\s+/))
      .filter((w) => w[0] === 'deb')
      .map((w) => w.filter((x) => !x.startsWith('[') && !x.endsWith(']')))
      .map((w) => ({ uris: [w[1]!], suites: [w[2]!] }));
  }
  return text.split(/\n\s*\n/).flatMap((stanza) => {
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(stanza.replace(/^#.*$/gm, ''))?.[1]?.trim().split(/\s+/) ?? [];
    if (!field('Types').includes('deb') || /^Enabled:\s*no/im.test(stanza)) return [];
    return [{ uris: field('URIs'), suites: field('Suites') }];
  });
}

/** The first enabled `deb` URI that serves `suite` on this host, else deb.debian.org. */
export function hostMirror(suite: string, etc = '/etc/apt'): string {
  const files: [string, boolean][] = [[path.join(etc, 'sources.list'), false]];
  try {
    for (const name of fs.readdirSync(path.join(etc, 'sources.list.d')).sort()) {
      if (name.endsWith('.sources')) files.push([path.join(etc, 'sources.list.d', name), true]);
      else if (name.endsWith('.list')) files.push([path.join(etc, 'sources.list.d', name), false]);
    }
  } catch {
    // no sources.list.d: only sources.list counts
  }
  for (const [file, deb822] of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const match = parseAptSources(text, deb822).find((s) => s.suites.includes(suite) && s.uris.length > 0);
    if (match) return match.uris[0]!.replace(/\/$/, '');
  }
  return FALLBACK_MIRROR;
}
