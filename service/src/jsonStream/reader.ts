/**
 * A JSON reader fed chunk by chunk, as a request body arrives, that builds only what a {@link Keep} tree names.
 * Everything else is checked as strict JSON (RFC 8259: the grammar `JSON.parse` accepts) and forgotten as it
 * streams past, so memory follows the kept fields, not the size of the text. Errors name the byte, line and
 * column, and the member being read.
 *
 * Speed: one pass over the bytes, no per-character string building; a kept string is decoded once from its
 * bytes (`JSON.parse` of its raw text only when it holds escapes, which gives exactly what `JSON.parse` of the
 * whole document would). The container stack is an array, so nesting depth is not bounded by the call stack.
 */
import { memberKeep, type Keep } from './keep';
import { JsonSyntaxError, type JsonLocation } from './syntaxError';

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

// Between tokens: what may come next. Inside a token: which one.
const VALUE = 0; // at the start, after ':', after ',' in an array
const FIRST_ITEM = 1; // after '[': a value or ']'
const FIRST_KEY = 2; // after '{': a name or '}'
const KEY = 3; // after ',' in an object
const COLON_NEXT = 4; // after a member's name
const AFTER_MEMBER = 5; // after a member: ',' or the closing bracket
const DONE = 6; // after the top-level value: whitespace only
const IN_STRING = 7;
const IN_NUMBER = 8;
const IN_LITERAL = 9;

// Inside a number (RFC 8259 section 6): which part was read last. ZERO_INT, INT, FRACTION and EXPONENT may end it.
const N_SIGN = 0;
const N_ZERO_INT = 1;
const N_INT = 2;
const N_POINT = 3;
const N_FRACTION = 4;
const N_E = 5;
const N_E_SIGN = 6;
const N_EXPONENT = 7;

const STRING_EXPECTED = `a valid string character or its closing '"'`;

/** Bytes that may follow a backslash (besides `u`). */
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

const LITERALS: Record<number, [word: Buffer, value: boolean | null]> = {
  0x74: [Buffer.from('true'), true],
  0x66: [Buffer.from('false'), false],
  0x6e: [Buffer.from('null'), null],
};

/** An open object or array. */
interface Frame {
  readonly isArray: boolean;
  /** What is built of it; `undefined` when it is dropped. */
  readonly value: Record<string, unknown> | unknown[] | undefined;
  readonly keep: Keep | undefined;
  /** Objects: the name of the member being read, once read. */
  key: string | undefined;
  /** Arrays: the index of the element being read. */
  index: number;
  /** How the member being read is kept (for arrays, every element). */
  member: Keep | undefined;
}

function isNumberEnd(state: number): boolean {
  return state === N_ZERO_INT || state === N_INT || state === N_FRACTION || state === N_EXPONENT;
}

/** Sets a member as `JSON.parse` does: `__proto__` becomes an own property, never the prototype. */
function setMember(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/**
 * Reads one JSON document from the chunks given to {@link write}; {@link end} returns what was kept of it.
 * @example const reader = new JsonStreamReader(keep); for (const chunk of chunks) reader.write(chunk); const value = reader.end();
 */
export class JsonStreamReader {
  private state = VALUE;
  /** The open containers; the first holds the top-level value. */
  private readonly stack: Frame[];
  /** Offset of the current chunk's first byte in the document. */
  private base = 0;
  private line = 1;
  private lineStart = 0;
  /** UTF-8 continuation bytes on the current line before the byte being read: a column counts characters. */
  private continuation = 0;

  /** Where the token being read starts in the current chunk (0 when it started in an earlier one). */
  private tokenStart = 0;
  /** Where the literal being read starts in the document. */
  private tokenAt = 0;
  private stringIsKey = false;
  private stringWanted = false;
  private stringEscaped = false;
  /** 0 outside an escape; 1 after a backslash; 5 to 2: hex digits of a `\u` escape still to come, plus one. */
  private escape = 0;
  private escapeAt = 0;
  /** A kept string's bytes from earlier chunks. */
  private pieces: Buffer[] = [];
  private numberState = N_SIGN;
  private numberWanted = false;
  /** A kept number's text from earlier chunks. */
  private numberText = '';
  private literal: [word: Buffer, value: boolean | null] = LITERALS[0x6e]!;
  private literalIndex = 0;

  /** @param keep what to build of the document; `'whole'` builds all of it, as `JSON.parse` would. */
  constructor(keep: Keep) {
    this.stack = [{ isArray: true, value: [], keep: undefined, key: undefined, index: 0, member: keep }];
  }

  /** Bytes read so far. */
  get bytesRead(): number {
    return this.base;
  }

  /** Reads the next chunk of the document. @throws JsonSyntaxError at the first byte that is not JSON. */
  write(chunk: Buffer): void {
    const n = chunk.length;
    let i = 0;
    this.tokenStart = 0;
    while (i < n) {
      switch (this.state) {
        case IN_STRING:
          i = this.readString(chunk, i);
          break;
        case IN_NUMBER:
          i = this.readNumber(chunk, i);
          break;
        case IN_LITERAL:
          i = this.readLiteral(chunk, i);
          break;
        default:
          i = this.readStructure(chunk, i);
      }
    }
    // A token still open keeps the part of it that was in this chunk.
    if (this.state === IN_STRING && this.stringWanted) this.pieces.push(chunk.subarray(this.tokenStart));
    else if (this.state === IN_NUMBER && this.numberWanted) this.numberText += chunk.toString('latin1', this.tokenStart);
    this.base += n;
  }

  /**
   * Ends the document.
   * @returns what was kept of it (`undefined` when the top-level value itself is dropped).
   * @throws JsonSyntaxError (`truncated`) when the document is not complete.
   */
  end(): unknown {
    if (this.state === IN_NUMBER && isNumberEnd(this.numberState)) this.endNumber(undefined, 0);
    if (this.state !== DONE) throw this.failAt(this.base, this.expectedAtEnd(), true);
    return (this.stack[0]!.value as unknown[])[0];
  }

  private top(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  /** Whitespace, then one structural character or the start of a token. */
  private readStructure(chunk: Buffer, start: number): number {
    const n = chunk.length;
    let i = start;
    for (; i < n; i++) {
      const b = chunk[i]!;
      if (b === SPACE || b === TAB || b === CR) continue;
      if (b !== LF) break;
      this.line += 1;
      this.lineStart = this.base + i + 1;
      this.continuation = 0;
    }
    if (i === n) return n;
    const b = chunk[i]!;
    switch (this.state) {
      case VALUE:
        return this.startValue(i, b);
      case FIRST_ITEM:
        return b === CLOSE_ARRAY ? this.close(i) : this.startValue(i, b);
      case FIRST_KEY:
      case KEY:
        if (b === CLOSE_OBJECT && this.state === FIRST_KEY) return this.close(i);
        if (b !== QUOTE) throw this.fail(i, 'a property name in double quotes');
        return this.startString(i, true, true);
      case COLON_NEXT:
        if (b !== COLON) throw this.fail(i, "':'");
        this.state = VALUE;
        return i + 1;
      case AFTER_MEMBER: {
        const top = this.top();
        if (b === COMMA) {
          if (top.isArray) {
            top.index += 1;
            this.state = VALUE;
          } else {
            top.key = undefined;
            this.state = KEY;
          }
          return i + 1;
        }
        if (b === (top.isArray ? CLOSE_ARRAY : CLOSE_OBJECT)) return this.close(i);
        throw this.fail(i, top.isArray ? "',' or ']'" : "',' or '}'");
      }
      default:
        throw this.fail(i, 'the end of the body');
    }
  }

  private startValue(i: number, b: number): number {
    const keep = this.top().member;
    if (b === QUOTE) return this.startString(i, false, keep === 'whole');
    if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      const isArray = b === OPEN_ARRAY;
      // A dropped container builds nothing; one kept as its type only is built empty.
      const value = keep === undefined ? undefined : isArray ? [] : {};
      const member = isArray ? memberKeep(keep, true, '') : undefined;
      this.stack.push({ isArray, value, keep, key: undefined, index: 0, member });
      this.state = isArray ? FIRST_ITEM : FIRST_KEY;
      return i + 1;
    }
    if (b === MINUS || (b >= ZERO && b <= NINE)) {
      this.numberState = b === MINUS ? N_SIGN : b === ZERO ? N_ZERO_INT : N_INT;
      this.numberWanted = keep === 'whole';
      this.numberText = '';
      this.tokenStart = i;
      this.state = IN_NUMBER;
      return i + 1;
    }
    const literal = LITERALS[b];
    if (literal !== undefined) {
      this.literal = literal;
      this.literalIndex = 1;
      this.tokenAt = this.base + i;
      this.state = IN_LITERAL;
      return i + 1;
    }
    throw this.fail(i, 'a value');
  }

  private startString(i: number, isKey: boolean, wanted: boolean): number {
    this.stringIsKey = isKey;
    this.stringWanted = wanted;
    this.stringEscaped = false;
    this.escape = 0;
    this.pieces = [];
    this.tokenStart = i + 1;
    this.state = IN_STRING;
    return i + 1;
  }

  private readString(chunk: Buffer, start: number): number {
    const n = chunk.length;
    let escape = this.escape;
    let continuation = 0;
    for (let i = start; i < n; i++) {
      const b = chunk[i]!;
      if (escape === 0) {
        if (b === QUOTE) {
          this.continuation += continuation;
          this.endString(chunk, i);
          return i + 1;
        }
        if (b === BACKSLASH) {
          escape = 1;
          this.escapeAt = this.base + i;
          this.stringEscaped = true;
        } else if (b < SPACE) {
          this.continuation += continuation;
          throw this.fail(i, STRING_EXPECTED);
        } else if ((b & 0xc0) === 0x80) continuation += 1;
      } else if (escape === 1) {
        if (b === 0x75) escape = 5;
        else if (SIMPLE_ESCAPE[b] === 1) escape = 0;
        else {
          this.continuation += continuation;
          throw this.failAt(this.escapeAt, STRING_EXPECTED, false);
        }
      } else if (HEX[b] === 1) {
        escape = escape === 2 ? 0 : escape - 1;
      } else {
        this.continuation += continuation;
        throw this.failAt(this.escapeAt, STRING_EXPECTED, false);
      }
    }
    this.escape = escape;
    this.continuation += continuation;
    return n;
  }

  private endString(chunk: Buffer, end: number): void {
    let text = '';
    if (this.stringWanted) {
      let raw: string;
      if (this.pieces.length === 0) raw = chunk.toString('utf8', this.tokenStart, end);
      else {
        this.pieces.push(chunk.subarray(this.tokenStart, end));
        raw = Buffer.concat(this.pieces).toString('utf8');
        this.pieces = [];
      }
      // The raw text was checked above, so it parses; decoding first and parsing after is what JSON.parse of the body does.
      text = this.stringEscaped ? (JSON.parse(`"${raw}"`) as string) : raw;
    }
    if (this.stringIsKey) {
      const top = this.top();
      top.key = text;
      top.member = memberKeep(top.keep, false, text);
      this.state = COLON_NEXT;
    } else this.complete(text);
  }

  private readNumber(chunk: Buffer, start: number): number {
    const n = chunk.length;
    let s = this.numberState;
    let i = start;
    for (; i < n; i++) {
      const b = chunk[i]!;
      if (b >= ZERO && b <= NINE) {
        if (s === N_ZERO_INT) break; // "01": the number is 0, and the 1 is out of place after it
        if (s === N_SIGN) s = b === ZERO ? N_ZERO_INT : N_INT;
        else if (s === N_POINT) s = N_FRACTION;
        else if (s === N_E || s === N_E_SIGN) s = N_EXPONENT;
      } else if (b === DOT && (s === N_ZERO_INT || s === N_INT)) s = N_POINT;
      else if ((b === 0x65 || b === 0x45) && (s === N_ZERO_INT || s === N_INT || s === N_FRACTION)) s = N_E;
      else if ((b === PLUS || b === MINUS) && s === N_E) s = N_E_SIGN;
      else break;
    }
    this.numberState = s;
    if (i === n) return n;
    if (!isNumberEnd(s)) throw this.fail(i, 'a digit');
    this.endNumber(chunk, i);
    return i; // the byte that ended the number is read next, as what follows it
  }

  private endNumber(chunk: Buffer | undefined, end: number): void {
    let value = 0;
    if (this.numberWanted) {
      const text = chunk === undefined ? this.numberText : this.numberText + chunk.toString('latin1', this.tokenStart, end);
      value = Number(text);
      this.numberText = '';
    }
    this.complete(value);
  }

  private readLiteral(chunk: Buffer, start: number): number {
    const n = chunk.length;
    const [word, value] = this.literal;
    let i = start;
    for (; i < n && this.literalIndex < word.length; i++) {
      if (chunk[i] !== word[this.literalIndex]) throw this.failAt(this.tokenAt, `'${word.toString()}'`, false);
      this.literalIndex += 1;
    }
    if (this.literalIndex === word.length) this.complete(value);
    return i;
  }

  private close(i: number): number {
    const frame = this.stack.pop()!;
    this.complete(frame.value);
    return i + 1;
  }

  /** A value is read: it becomes a member of the container it is in, if that container keeps it. */
  private complete(value: unknown): void {
    const top = this.top();
    if (top.member !== undefined) {
      if (top.isArray) (top.value as unknown[]).push(value);
      else setMember(top.value as Record<string, unknown>, top.key!, value);
    }
    this.state = this.stack.length === 1 ? DONE : AFTER_MEMBER;
  }

  private expectedAtEnd(): string {
    switch (this.state) {
      case FIRST_KEY:
      case KEY:
        return 'a property name in double quotes';
      case COLON_NEXT:
        return "':'";
      case AFTER_MEMBER:
        return this.top().isArray ? "',' or ']'" : "',' or '}'";
      case IN_STRING:
        return STRING_EXPECTED;
      case IN_NUMBER:
        return 'a digit';
      case IN_LITERAL:
        return `'${this.literal[0].toString()}'`;
      default:
        return 'a value';
    }
  }

  private location(): JsonLocation {
    const location: (string | number)[] = [];
    for (let d = 1; d < this.stack.length; d++) {
      const frame = this.stack[d]!;
      if (frame.isArray) location.push(frame.index);
      else if (frame.key !== undefined) location.push(frame.key);
    }
    return location;
  }

  private fail(i: number, expected: string): JsonSyntaxError {
    return this.failAt(this.base + i, expected, false);
  }

  /** The error at `position`, which is on the current line. */
  private failAt(position: number, expected: string, truncated: boolean): JsonSyntaxError {
    const column = position - this.lineStart - this.continuation + 1;
    return new JsonSyntaxError(position, this.line, column, expected, this.location(), truncated);
  }
}
