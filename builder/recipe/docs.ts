// The recipe reference (recipes/README.md's table), generated from the settings table.
import { SETTINGS, type Setting } from './settings.js';

function defaultText(s: Setting): string {
  if (s.required) return 'required';
  if (s.defaultText) return s.defaultText;
  if (s.default === undefined) return '—';
  const value = s.dump ? s.dump(s.default as never) : s.default;
  return `\`${JSON.stringify(value)}\``;
}

export function settingsMarkdown(): string {
  const rows = SETTINGS.map((s) => `| \`${s.key}\` | ${s.section} | ${defaultText(s)} | ${s.help.replace(/\|/g, '\\|')} |`);
  return ['| Setting | Section | Default | Meaning |', '|---|---|---|---|', ...rows].join('\n') + '\n';
}
