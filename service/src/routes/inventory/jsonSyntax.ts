/**
 * Where a JSON text first goes wrong. `JSON.parse` in Node 20 names a position for some errors and
 * not for others (`Unexpected token 'x', "…" is not valid JSON`), so an import that fails to parse is
 * scanned once more by this checker, which only looks for the first offending character.
 */

/** The first syntax error in a JSON text: its offset (UTF-16 units), line and column (1-based), and what was expected. */
export interface JsonSyntaxError {
  position: number;
  line: number;
  column: number;
  expected: string;
}

class Stop {
  constructor(
    readonly position: number,
    readonly expected: string,
  ) {}
}

const WS = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
/** As much of a string as is valid: where it stops is the offending character, or the end of a truncated body. */
const STRING_START = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*/y;

/**
 * The first syntax error in `text`, or null when it is valid JSON. Iterative (an explicit stack), so a
 * deeply nested body cannot overflow the call stack.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | null {
  let at = 0;
  const skip = () => {
    WS.lastIndex = at;
    WS.exec(text);
    at = WS.lastIndex;
  };
  const match = (re: RegExp, expected: string) => {
    re.lastIndex = at;
    if (re.test(text)) {
      at = re.lastIndex;
      return;
    }
    if (re !== STRING) throw new Stop(at, expected);
    STRING_START.lastIndex = at;
    STRING_START.test(text);
    throw new Stop(STRING_START.lastIndex, "a valid string character or its closing '\"'");
  };
  const value = () => {
    skip();
    const c = text[at];
    if (c === '"') return match(STRING, 'a string');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return match(NUMBER, 'a number');
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return;
      }
    }
    if (c === '{' || c === '[') return;
    throw new Stop(at, 'a value');
  };
  /** Open containers: `}` or `]`, and whether a member was read in it yet. */
  const stack: { close: '}' | ']'; members: number }[] = [];
  try {
    for (;;) {
      value();
      const opened = text[at];
      if (opened === '{' || opened === '[') {
        at += 1;
        stack.push({ close: opened === '{' ? '}' : ']', members: 0 });
      }
      // After a value (or an opening bracket): close containers, or go on to the next member.
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) {
          skip();
          if (at < text.length) throw new Stop(at, 'the end of the body');
          return null;
        }
        skip();
        const justOpened = opened !== undefined && (opened === '{' || opened === '[') && top.members === 0 && text[at - 1] !== ',';
        if (text[at] === top.close && (top.members > 0 || justOpened)) {
          at += 1;
          stack.pop();
          continue;
        }
        if (top.members > 0) {
          if (text[at] !== ',') throw new Stop(at, `',' or '${top.close}'`);
          at += 1;
        }
        top.members += 1;
        if (top.close === '}') {
          skip();
          if (text[at] !== '"') throw new Stop(at, 'a property name in double quotes');
          match(STRING, 'a property name');
          skip();
          if (text[at] !== ':') throw new Stop(at, "':'");
          at += 1;
        }
        break;
      }
    }
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    const before = text.slice(0, err.position);
    const line = before.split('\n').length;
    return { position: err.position, line, column: err.position - before.lastIndexOf('\n'), expected: err.expected };
  }
}
