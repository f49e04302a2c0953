/**
 * What a streamed read keeps of a JSON document: a tree that mirrors the paths a reader looks at. Everything
 * else is checked as JSON and thrown away as it streams past, so that a 200 MB scanner file costs the memory
 * of the few fields read from it, not of the whole text.
 */

/**
 * How one value is kept:
 * - `'whole'`: the value and everything under it;
 * - `'type'`: only its JSON type (a string becomes `''`, a number `0`, an object `{}`, an array `[]`), for
 *   values a reader only type-checks, such as the annotations it does not keep;
 * - a {@link KeepMembers}: an object or array, with its members kept as the tree says;
 * - `undefined` (a member not named): dropped.
 */
export type Keep = 'whole' | 'type' | KeepMembers;

/** The members kept of an object (by name, and every other name) or of an array (every element). */
export interface KeepMembers {
  readonly fields: ReadonlyMap<string, Keep>;
  /** How members not named in `fields` are kept; dropped when absent. */
  readonly otherFields: Keep | undefined;
  /** How each element of an array is kept; dropped when absent (an object where an array belongs keeps no member). */
  readonly items: Keep | undefined;
}

/**
 * An object of which the named members are kept, the others dropped (or kept as `otherFields` says).
 * A value that turns out to be an array or a primitive is kept as its type only: a reader that wanted an
 * object only says what it found instead.
 */
export function object(fields: Readonly<Record<string, Keep>>, otherFields?: Keep): KeepMembers {
  return { fields: new Map(Object.entries(fields)), otherFields, items: undefined };
}

/** An array of which every element is kept as `item` says. */
export function arrayOf(item: Keep): KeepMembers {
  return { fields: new Map(), otherFields: undefined, items: item };
}

/** The same tree with the members of `b` added to those of `a`: a document read by several readers keeps what any reads. */
export function union(a: Keep, b: Keep): Keep {
  if (a === 'whole' || b === 'whole') return 'whole';
  if (a === 'type') return b;
  if (b === 'type') return a;
  const fields = new Map(a.fields);
  for (const [name, keep] of b.fields) {
    const mine = fields.get(name);
    fields.set(name, mine === undefined ? keep : union(mine, keep));
  }
  return {
    fields,
    otherFields: unionOptional(a.otherFields, b.otherFields),
    items: unionOptional(a.items, b.items),
  };
}

function unionOptional(a: Keep | undefined, b: Keep | undefined): Keep | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return union(a, b);
}

/** How the member `name` (of an object) or an element (of an array) of a value kept as `keep` is kept. */
export function memberKeep(keep: Keep | undefined, isArray: boolean, name: string): Keep | undefined {
  if (keep === undefined || keep === 'type') return undefined;
  if (keep === 'whole') return 'whole';
  if (isArray) return keep.items;
  return keep.fields.get(name) ?? keep.otherFields;
}
