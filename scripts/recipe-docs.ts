// Rewrites the settings table in recipes/README.md from builder/recipe/settings.ts.
import fs from 'node:fs';
import path from 'node:path';
import { settingsMarkdown } from '../builder/recipe/docs.js';

const file = path.resolve(import.meta.dirname, '../../recipes/README.md');
const text = fs.readFileSync(file, 'utf8');
const updated = text.replace(/(<!-- settings:begin[^\n]*-->\n)[\s\S]*?(<!-- settings:end -->)/, (_, begin: string, end: string) => `${begin}${settingsMarkdown()}${end}`);
fs.writeFileSync(file, updated);
