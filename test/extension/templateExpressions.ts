/**
 * A small evaluator for the compile-time template expressions our decorator templates use, so
 * the tests can expand a template for a given job and variables, as Azure Pipelines does before
 * the job runs, and count the steps that come out.
 *
 * It covers what the templates need and no more: `${{ if <expr> }}:` insertion in step lists;
 * literals ('string' with '' escapes, numbers, true/false/null); property paths with `.name`,
 * `['name']` and the `.*` filter; and the functions not, and, or, eq, ne, containsValue.
 * As in Azure Pipelines, string comparison ignores case. Anything else throws, so a template
 * that grows a construct this evaluator does not know fails its tests loudly instead of passing.
 */

/** The data a decorator sees: pipeline variables and the job (its steps, tasks by GUID). */
export interface DecoratorContext {
  variables: Record<string, string>;
  job: { steps: Array<{ task?: { id: string; name?: string; version?: string } }> };
}

type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

type Token = { kind: 'string' | 'number' | 'ident' | 'punct'; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let text = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new Error(`unterminated string in ${source}`);
        if (source[i] === "'" && source[i + 1] === "'") {
          text += "'";
          i += 2;
        } else if (source[i] === "'") {
          i++;
          break;
        } else {
          text += source[i];
          i++;
        }
      }
      tokens.push({ kind: 'string', text });
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(source.slice(i));
      tokens.push({ kind: 'number', text: m?.[0] ?? c });
      i += m?.[0].length ?? 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i));
      tokens.push({ kind: 'ident', text: m?.[0] ?? c });
      i += m?.[0].length ?? 1;
    } else if ('()[],.*'.includes(c)) {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else {
      throw new Error(`unexpected "${c}" in ${source}`);
    }
  }
  return tokens;
}

function toText(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function truthy(value: Value): boolean {
  if (value === null || value === false || value === 0 || value === '') return false;
  return true;
}

function equal(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  return toText(a).toLowerCase() === toText(b).toLowerCase();
}

const functions: Record<string, (args: Value[]) => Value> = {
  not: ([a]) => !truthy(a ?? null),
  and: (args) => args.every(truthy),
  or: (args) => args.some(truthy),
  eq: ([a, b]) => equal(a ?? null, b ?? null),
  ne: ([a, b]) => !equal(a ?? null, b ?? null),
  containsValue: ([collection, needle]) => {
    const items = Array.isArray(collection)
      ? collection
      : collection !== null && typeof collection === 'object'
        ? Object.values(collection)
        : [];
    return items.some((item) => equal(item, needle ?? null));
  },
};

/** Evaluates one expression (the text inside `${{ }}` after `if`) against `context`. */
export function evaluate(expression: string, context: DecoratorContext): Value {
  const tokens = tokenize(expression);
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const take = (text?: string): Token => {
    const token = tokens[at++];
    if (!token || (text !== undefined && token.text !== text)) {
      throw new Error(`expected ${text ?? 'a token'} at ${at} in ${expression}`);
    }
    return token;
  };

  const filtered = new WeakSet<Value[]>();
  // Property access on a value; a `*` turns a value into the list of its members, and further
  // accessors apply to each member, dropping those that lack the property (the `.*` filter).
  const member = (value: Value, key: string): Value => {
    if (Array.isArray(value) && filtered.has(value)) {
      const out = value.map((v) => member(v, key)).filter((v) => v !== null);
      filtered.add(out);
      return out;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
    const found = Object.keys(value).find((k) => k.toLowerCase() === key.toLowerCase());
    return found === undefined ? null : (value[found] ?? null);
  };

  const primary = (): Value => {
    const token = take();
    if (token.kind === 'string') return token.text;
    if (token.kind === 'number') return Number(token.text);
    if (token.kind !== 'ident') throw new Error(`unexpected ${token.text} in ${expression}`);
    if (peek()?.text === '(') {
      const fn = functions[token.text];
      if (!fn) throw new Error(`function ${token.text} is not known to this evaluator`);
      take('(');
      const args: Value[] = [];
      while (peek()?.text !== ')') {
        args.push(primary());
        if (peek()?.text === ',') take(',');
      }
      take(')');
      return fn(args);
    }
    if (token.text === 'true' || token.text === 'false') return token.text === 'true';
    if (token.text === 'null') return null;
    const roots: Record<string, Value> = {
      variables: context.variables,
      job: context.job as unknown as Value,
    };
    if (!(token.text in roots)) throw new Error(`context ${token.text} is not known to this evaluator`);
    let value: Value = roots[token.text] ?? null;
    for (;;) {
      const next = peek();
      if (next?.text === '.') {
        take('.');
        if (peek()?.text === '*') {
          take('*');
          const base: Value = Array.isArray(value) ? value : value !== null && typeof value === 'object' ? Object.values(value) : [];
          const list = [...(base as Value[])];
          filtered.add(list);
          value = list;
        } else {
          value = member(value, take().text);
        }
      } else if (next?.text === '[') {
        take('[');
        const key = primary();
        take(']');
        value = member(value, toText(key));
      } else {
        return value;
      }
    }
  };

  const result = primary();
  if (at !== tokens.length) throw new Error(`unexpected ${tokens[at]?.text} in ${expression}`);
  return result;
}

const IF = /^\$\{\{\s*if\s+(.*)\s*\}\}$/s;

/**
 * Expands a step list the way the pipeline compiler does: each `${{ if <expr> }}:` item is
 * replaced by its (recursively expanded) items when <expr> is true, and removed otherwise.
 * Returns the steps that end up in the job.
 */
export function expandSteps(items: unknown, context: DecoratorContext): Array<Record<string, unknown>> {
  if (!Array.isArray(items)) throw new Error('a step list must be a YAML sequence');
  const out: Array<Record<string, unknown>> = [];
  for (const item of items) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new Error('a step must be a mapping');
    const keys = Object.keys(item);
    const directive = keys.find((k) => k.trimStart().startsWith('${{'));
    if (directive === undefined) {
      out.push(item as Record<string, unknown>);
      continue;
    }
    const match = IF.exec(directive.trim());
    if (!match || keys.length !== 1) throw new Error(`template directive not known to this evaluator: ${directive}`);
    if (truthy(evaluate(match[1] ?? '', context))) out.push(...expandSteps((item as Record<string, unknown>)[directive], context));
  }
  return out;
}

/** Every `${{ if }}` expression in a step list, outermost first. */
export function conditionsOf(items: unknown): string[] {
  if (!Array.isArray(items)) return [];
  return items.flatMap((item: unknown) => {
    if (item === null || typeof item !== 'object') return [];
    return Object.entries(item).flatMap(([key, value]) => {
      const match = IF.exec(key.trim());
      return match ? [(match[1] ?? '').trim(), ...conditionsOf(value)] : [];
    });
  });
}
