// A reader for the Kconfig language, just enough to explain why an option did not get its value:
// each symbol's definitions with their type, prompt and dependencies (including the enclosing
// `if`, `menu` and `choice` blocks across `source`d files), who selects it, and an evaluator
// for dependency expressions against a .config. Grammar: Documentation/kbuild/kconfig-language.rst.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DotConfig, valueOf } from './dotconfig.js';

export interface SymbolDefinition {
  file: string;
  line: number;
  type?: 'bool' | 'tristate' | 'string' | 'int' | 'hex';
  /** Whether the user can set it: a prompt exists (its condition is in `promptIf`). */
  prompt: boolean;
  promptIf?: string;
  /** Every `depends on` that applies, innermost last, with where it comes from. */
  dependsOn: { expr: string; from: string }[];
  /** The name of the enclosing choice block, when the symbol is one of its members. */
  choice?: string;
}

export interface KconfigSymbol {
  name: string;
  definitions: SymbolDefinition[];
  selectedBy: { symbol: string; cond?: string; file: string; line: number }[];
}

export type Kconfig = Map<string, KconfigSymbol>;

interface Frame {
  kind: 'if' | 'menu' | 'choice';
  deps: { expr: string; from: string }[];
  choiceName?: string;
}

const TYPES = new Set(['bool', 'tristate', 'string', 'int', 'hex', 'def_bool', 'def_tristate']);

/** Reads the whole Kconfig tree of a kernel source, starting at its top-level Kconfig. */
export function readKconfig(srcDir: string, srcArch = 'x86'): Kconfig {
  const symbols: Kconfig = new Map();
  const stack: Frame[] = [];
  let choiceCount = 0;
  const symbol = (name: string): KconfigSymbol => {
    let s = symbols.get(name);
    if (!s) symbols.set(name, (s = { name, definitions: [], selectedBy: [] }));
    return s;
  };

  const readFile = (relPath: string): void => {
    let text: string;
    try {
      text = readFileSync(join(srcDir, relPath), 'utf8');
    } catch {
      return; // optional sources of other architectures
    }
    const lines = text.split('\n');
    // What the attribute lines that follow belong to.
    let current: { def: SymbolDefinition; name: string } | { frame: Frame } | null = null;
    for (let i = 0; i < lines.length; i++) {
      const lineNo = i + 1;
      let line = lines[i]!;
      while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + ' ' + lines[++i]!;
      const code = stripComment(line).trim();
      if (code === '') continue;
      const [keyword = '', ...restWords] = code.split(/\s+/);
      const rest = code.slice(keyword.length).trim();
      const where = `${relPath}:${lineNo}`;

      if (keyword === 'help' || keyword === '---help---') {
        // Help text runs while lines are blank or indented at least as deep as its first line;
        // an unindented line ends it at once (as the Kconfig lexer does).
        let j = i + 1;
        while (j < lines.length && lines[j]!.trim() === '') j++;
        const indent = indentOf(lines[j] ?? '');
        while (indent > 0 && j < lines.length && (lines[j]!.trim() === '' || indentOf(lines[j]!) >= indent)) j++;
        i = j - 1;
        continue;
      }
      switch (keyword) {
        case 'config':
        case 'menuconfig': {
          const name = restWords[0]!;
          const enclosing = stack.at(-1);
          const def: SymbolDefinition = {
            file: relPath,
            line: lineNo,
            prompt: false,
            dependsOn: stack.flatMap((f) => f.deps),
            ...(enclosing?.kind === 'choice' ? { choice: enclosing.choiceName! } : {}),
          };
          symbol(name).definitions.push(def);
          current = { def, name };
          continue;
        }
        case 'choice': {
          const frame: Frame = { kind: 'choice', deps: [], choiceName: restWords[0] ?? `choice@${where}#${++choiceCount}` };
          stack.push(frame);
          current = { frame };
          continue;
        }
        case 'menu': {
          const frame: Frame = { kind: 'menu', deps: [] };
          stack.push(frame);
          current = { frame };
          continue;
        }
        case 'if':
          stack.push({ kind: 'if', deps: [{ expr: rest, from: `${where} (if ${rest})` }] });
          current = null;
          continue;
        case 'endif':
        case 'endmenu':
        case 'endchoice':
          stack.pop();
          current = null;
          continue;
        case 'source':
        case 'osource':
        case 'rsource':
        case 'orsource': {
          const path = unquote(rest).replace(/\$\(SRCARCH\)/g, srcArch).replace(/\$\(ARCH\)/g, srcArch);
          current = null;
          if (!path.includes('$(')) readFile(path);
          continue;
        }
        case 'comment':
        case 'mainmenu':
          current = null;
          continue;
      }
      if (/^[A-Za-z0-9_-]+\s*(:=|\+=|=)/.test(code)) continue; // macro assignment (scripts/Kconfig.include)
      if (!current) continue;

      if (keyword === 'depends' && restWords[0] === 'on') {
        const expr = rest.slice(2).trim();
        if ('def' in current) current.def.dependsOn.push({ expr, from: where });
        else current.frame.deps.push({ expr, from: `${where} (${current.frame.kind})` });
      } else if ('def' in current) {
        const def = current.def;
        if (TYPES.has(keyword)) {
          def.type = keyword.replace('def_', '') as SymbolDefinition['type'];
          if (!keyword.startsWith('def_') && rest.startsWith('"')) setPrompt(def, rest);
        } else if (keyword === 'prompt') {
          setPrompt(def, rest);
        } else if (keyword === 'select') {
          const [target = '', ...cond] = rest.split(/\s+if\s+/);
          symbol(target.trim()).selectedBy.push({
            symbol: current.name,
            ...(cond.length > 0 ? { cond: cond.join(' if ') } : {}),
            file: relPath,
            line: lineNo,
          });
        }
      }
    }
  };

  readFile('Kconfig');
  return symbols;
}

function setPrompt(def: SymbolDefinition, rest: string): void {
  def.prompt = true;
  const cond = /"(?:[^"\\]|\\.)*"\s+if\s+(.*)$/.exec(rest);
  if (cond) def.promptIf = cond[1]!.trim();
}

function stripComment(line: string): string {
  let inString: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === inString) inString = null;
    } else if (c === '"' || c === "'") inString = c;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

function indentOf(line: string): number {
  let n = 0;
  for (const c of line) {
    if (c === ' ') n++;
    else if (c === '\t') n = (Math.floor(n / 8) + 1) * 8;
    else break;
  }
  return n;
}

function unquote(s: string): string {
  return s.replace(/^"(.*)"$/, '$1');
}

// ---- expressions ----

/** Tristate: 0 = n, 1 = m, 2 = y. */
export type Tristate = 0 | 1 | 2;

/** Evaluates a Kconfig expression against a .config; `$(macro)` terms count as y (not knowable here). */
export function evaluate(expr: string, config: DotConfig): Tristate {
  const tokens = expr.match(/\$\([^)]*\)|"(?:[^"\\]|\\.)*"|'[^']*'|&&|\|\||!=|<=|>=|[!()=<>]|[A-Za-z0-9_.\-]+/g) ?? [];
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const next = (): string => tokens[pos++] ?? '';

  const term = (tok: string): string => {
    if (tok.startsWith('$(')) return 'y';
    if (/^["']/.test(tok)) return tok.slice(1, -1);
    if (tok === 'y' || tok === 'n' || tok === 'm') return tok;
    if (/^[A-Za-z0-9_]+$/.test(tok) && !/^(-?[0-9]+|0x[0-9a-fA-F]+)$/.test(tok)) {
      const v = valueOf(config, tok);
      return v.startsWith('"') ? v.slice(1, -1) : v;
    }
    return tok;
  };
  const tri = (v: string): Tristate => (v === 'y' ? 2 : v === 'm' ? 1 : 0);
  const compare = (a: string, op: string, b: string): boolean => {
    const num = /^(-?[0-9]+|0x[0-9a-fA-F]+)$/;
    if (op === '=') return a === b;
    if (op === '!=') return a !== b;
    const [x, y] = num.test(a) && num.test(b) ? [Number(a), Number(b)] : [a, b];
    return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
  };

  const primary = (): Tristate => {
    const tok = next();
    if (tok === '(') {
      const v = or();
      next(); // ')'
      return v;
    }
    if (tok === '!') return (2 - primary()) as Tristate;
    const op = peek();
    if (op && ['=', '!=', '<', '>', '<=', '>='].includes(op)) {
      next();
      return compare(term(tok), op, term(next())) ? 2 : 0;
    }
    return tri(term(tok));
  };
  const and = (): Tristate => {
    let v = primary();
    while (peek() === '&&') {
      next();
      v = Math.min(v, primary()) as Tristate;
    }
    return v;
  };
  const or = (): Tristate => {
    let v = and();
    while (peek() === '||') {
      next();
      v = Math.max(v, and()) as Tristate;
    }
    return v;
  };
  return tokens.length === 0 ? 2 : or();
}

/** The symbols an expression mentions, with their values: `BLOCK=n, PCI=y`. */
export function describeTerms(expr: string, config: DotConfig): string {
  const unquoted = expr.replace(/"(?:[^"\\]|\\.)*"|\$\([^)]*\)/g, '');
  const names = [...new Set(unquoted.match(/[A-Za-z0-9_]+/g) ?? [])].filter((n) => !/^([ynm]|-?[0-9]+|0x[0-9a-fA-F]+)$/.test(n));
  return names.map((n) => `${n}=${valueOf(config, n)}`).join(', ');
}
