// After olddefconfig: is every requested option set as asked? Kconfig silently drops an option
// whose dependencies are unmet and silently keeps one that something selects; for each such
// option, say why, from the Kconfig files themselves.
import { type DotConfig, satisfies, valueOf } from './dotconfig.js';
import type { RequestedOption } from './fragments.js';
import { describeTerms, evaluate, type Kconfig } from './kconfig.js';

export interface UnmetOption {
  option: RequestedOption;
  actual: string;
  /** Why, one reason a line: unmet `depends on`, no prompt, who selects it, another choice member. */
  reasons: string[];
}

/** Compares the requested options with the .config that olddefconfig wrote. */
export function verifyConfig(requested: readonly RequestedOption[], config: DotConfig, kconfig: Kconfig): UnmetOption[] {
  const unmet: UnmetOption[] = [];
  for (const option of requested) {
    const actual = valueOf(config, option.name);
    if (satisfies(option.value, actual)) continue;
    unmet.push({ option, actual, reasons: explain(option, config, kconfig) });
  }
  return unmet;
}

function explain(option: RequestedOption, config: DotConfig, kconfig: Kconfig): string[] {
  const symbol = kconfig.get(option.name);
  if (!symbol || symbol.definitions.length === 0) {
    return [`no such option: no "config ${option.name}" in this kernel's Kconfig files (misspelt, or gone in this version)`];
  }
  const reasons: string[] = [];
  const wantsOn = option.value !== 'n';

  for (const def of symbol.definitions) {
    for (const dep of def.dependsOn) {
      if (evaluate(dep.expr, config) === 0) {
        reasons.push(`depends on ${dep.expr} (${describeTerms(dep.expr, config)}) — ${dep.from}`);
      }
    }
  }
  if (reasons.length > 0) return reasons;

  const selectors = symbol.selectedBy.filter(
    (s) => valueOf(config, s.symbol) !== 'n' && (s.cond === undefined || evaluate(s.cond, config) !== 0),
  );
  if (!wantsOn && selectors.length > 0) {
    return selectors.map((s) => `selected by ${s.symbol}=${valueOf(config, s.symbol)}${s.cond ? ` if ${s.cond}` : ''} — ${s.file}:${s.line}`);
  }

  const settable = symbol.definitions.filter((d) => d.prompt && (d.promptIf === undefined || evaluate(d.promptIf, config) !== 0));
  if (settable.length === 0) {
    const conditional = symbol.definitions.find((d) => d.prompt && d.promptIf !== undefined);
    const where = `${symbol.definitions[0]!.file}:${symbol.definitions[0]!.line}`;
    reasons.push(
      conditional
        ? `settable only if ${conditional.promptIf} (${describeTerms(conditional.promptIf!, config)}) — ${conditional.file}:${conditional.line}`
        : `not settable: it has no prompt, its value comes from its default or from a select — ${where}`,
    );
    const all = symbol.selectedBy.map((s) => `${s.symbol}=${valueOf(config, s.symbol)}`);
    if (wantsOn && all.length > 0) reasons.push(`selected by: ${all.join(', ')}`);
    return reasons;
  }

  const member = symbol.definitions.find((d) => d.choice);
  if (member) {
    const rivals = [...kconfig.values()]
      .filter((s) => s.name !== option.name && s.definitions.some((d) => d.choice === member.choice) && valueOf(config, s.name) === 'y')
      .map((s) => s.name);
    reasons.push(`one member of a choice (${member.file}:${member.line}); the choice is ${rivals.join(', ') || 'unset'}`);
    return reasons;
  }
  if (wantsOn && option.value !== 'y' && option.value !== 'm') {
    reasons.push(`value ${option.value} rejected (out of its range, or of the wrong type) — ${symbol.definitions[0]!.file}:${symbol.definitions[0]!.line}`);
    return reasons;
  }
  reasons.push('Kconfig chose another value (a default or select that depends on other options)');
  return reasons;
}

/** The report a user reads: one block per option, file and line of the request first. */
export function formatUnmet(unmet: readonly UnmetOption[]): string {
  return unmet
    .map((u) => {
      const head = `${u.option.file}:${u.option.line}: CONFIG_${u.option.name}=${u.option.value} ended up ${u.actual}`;
      return [head, ...u.reasons.map((r) => `    ${r}`)].join('\n');
    })
    .join('\n');
}
