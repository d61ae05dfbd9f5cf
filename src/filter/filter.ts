/**
 * Metadata filters as data, in the syntax LangChain, Chroma, Pinecone and MongoDB users already write:
 * `{ lang: 'en', year: { $gte: 2020 }, tags: { $in: ['a', 'b'] }, $or: [...] }`. Data rather than a
 * function so that one filter can run in memvec, in LangChain, and as SQL on pgvector.
 *
 * compileFilter checks a filter once (every mistake is INVALID_ARGUMENT naming where it is) and turns it
 * into a small tree (FilterNode) that evaluators walk: matchesFilter here in JS, and later engine
 * columns. The rules, MongoDB's (also in the README):
 * - A field's value is looked up by its dotted path (`'doc.year'`); a path that runs through an array
 *   looks inside each element.
 * - Equality (`{ f: v }`, `$eq`) and `$in` match when the value, or ANY element of an array value, is
 *   equal. `{ f: null }` also matches entries without the field.
 * - `$ne` and `$nin` are the negations of `$eq` and `$in`: they match entries that lack the field.
 * - Comparisons (`$gt $gte $lt $lte`) compare numbers with numbers and strings with strings (by UTF-16
 *   code units, as JS `<` does); across types they never match, and neither does equality (`'5'` is not 5).
 * - `$exists: true|false` asks whether the field is there (null counts as there).
 * - Several conditions in one object all must hold; `$and: [f, …]`, `$or: [f, …]`, `$not: f` combine
 *   whole filters. `{}` matches everything.
 * Values are strings, finite numbers, booleans and null.
 */
import { MemvecError } from '../errors.js';

export type FilterScalar = string | number | boolean | null;

/** The operators a field condition may use. */
export interface FieldOperators {
  $eq?: FilterScalar;
  $ne?: FilterScalar;
  $gt?: number | string;
  $gte?: number | string;
  $lt?: number | string;
  $lte?: number | string;
  $in?: readonly FilterScalar[];
  $nin?: readonly FilterScalar[];
  $exists?: boolean;
}

/** A metadata filter: field conditions and `$and` / `$or` / `$not` of filters. */
export type MetadataFilter = {
  $and?: readonly MetadataFilter[];
  $or?: readonly MetadataFilter[];
  $not?: MetadataFilter;
} & { [field: string]: FilterScalar | FieldOperators | readonly MetadataFilter[] | MetadataFilter | undefined };

export type CompareOp = 'gt' | 'gte' | 'lt' | 'lte';

/** A checked filter, ready to evaluate. Paths are split at dots. */
export type FilterNode =
  | { kind: 'all' }
  | { kind: 'and'; nodes: FilterNode[] }
  | { kind: 'or'; nodes: FilterNode[] }
  | { kind: 'not'; node: FilterNode }
  /** Some value at `path` (an array's elements included) is one of `values`. */
  | { kind: 'in'; path: string[]; values: FilterScalar[] }
  /** Some value at `path` compares with `value` as `op` says (same type only). */
  | { kind: 'compare'; path: string[]; op: CompareOp; value: number | string }
  | { kind: 'exists'; path: string[] };

const COMPARE: Record<string, CompareOp> = { $gt: 'gt', $gte: 'gte', $lt: 'lt', $lte: 'lte' };
const FIELD_OPERATORS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists'];
/** Bounds what one filter may cost to check and run: a filter is data a caller may take from a request. */
const MAX_DEPTH = 32;
const MAX_IN_VALUES = 100_000;

const describe = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `${String(v)} (${typeof v})`;
};

const bad = (where: string, why: string): MemvecError => new MemvecError('INVALID_ARGUMENT', `filter${where}: ${why}`);

/** An object literal (or Object.create(null)): what a filter is, as opposed to an array, a class instance or a function. */
export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

function scalar(v: unknown, where: string): FilterScalar {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw bad(where, `${String(v)} is not a finite number`);
    return v;
  }
  throw bad(where, `values are strings, numbers, booleans or null, not ${describe(v)}`);
}

function path(field: string, where: string): string[] {
  const parts = field.split('.');
  if (parts.some((p) => p.length === 0)) throw bad(where, `${JSON.stringify(field)} is not a field path`);
  return parts;
}

/** Checks `filter` and compiles it; INVALID_ARGUMENT says what is wrong and where. */
export function compileFilter(filter: unknown): FilterNode {
  return compile(filter, '', 0);
}

function compile(filter: unknown, where: string, depth: number): FilterNode {
  if (depth > MAX_DEPTH) throw bad(where, `nested deeper than ${MAX_DEPTH} levels`);
  if (!isPlainObject(filter)) throw bad(where, `a filter is an object, not ${describe(filter)}`);
  const nodes: FilterNode[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    const at = `${where}.${key}`;
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0) throw bad(at, `${key} takes a non-empty array of filters`);
      const parts = value.map((f, i) => compile(f, `${at}[${i}]`, depth + 1));
      nodes.push({ kind: key === '$and' ? 'and' : 'or', nodes: parts });
    } else if (key === '$not') {
      nodes.push({ kind: 'not', node: compile(value, at, depth + 1) });
    } else if (key.startsWith('$')) {
      throw bad(at, `unknown operator ${key} (a filter combines with $and, $or, $not; fields take ${FIELD_OPERATORS.join(' ')})`);
    } else {
      nodes.push(...fieldConditions(path(key, at), value, at));
    }
  }
  if (nodes.length === 0) return { kind: 'all' };
  return nodes.length === 1 ? nodes[0]! : { kind: 'and', nodes };
}

function fieldConditions(p: string[], value: unknown, where: string): FilterNode[] {
  if (!isPlainObject(value)) return [{ kind: 'in', path: p, values: [scalar(value, where)] }];
  const out: FilterNode[] = [];
  for (const [op, arg] of Object.entries(value)) {
    if (arg === undefined) continue;
    const at = `${where}.${op}`;
    if (op === '$eq' || op === '$ne') {
      const node: FilterNode = { kind: 'in', path: p, values: [scalar(arg, at)] };
      out.push(op === '$eq' ? node : { kind: 'not', node });
    } else if (op === '$in' || op === '$nin') {
      if (!Array.isArray(arg)) throw bad(at, `${op} takes an array of values, not ${describe(arg)}`);
      if (arg.length > MAX_IN_VALUES) throw bad(at, `${op} takes at most ${MAX_IN_VALUES} values`);
      const node: FilterNode = { kind: 'in', path: p, values: arg.map((v, i) => scalar(v, `${at}[${i}]`)) };
      out.push(op === '$in' ? node : { kind: 'not', node });
    } else if (op in COMPARE) {
      if (typeof arg !== 'string' && (typeof arg !== 'number' || !Number.isFinite(arg))) {
        throw bad(at, `${op} compares with a finite number or a string, not ${describe(arg)}`);
      }
      out.push({ kind: 'compare', path: p, op: COMPARE[op]!, value: arg });
    } else if (op === '$exists') {
      if (typeof arg !== 'boolean') throw bad(at, `$exists takes true or false, not ${describe(arg)}`);
      const node: FilterNode = { kind: 'exists', path: p };
      out.push(arg ? node : { kind: 'not', node });
    } else {
      throw bad(at, op.startsWith('$')
        ? `unknown operator ${op} (fields take ${FIELD_OPERATORS.join(' ')})`
        : 'a field is compared with a string, number, boolean or null, or an object of operators; objects are not values');
    }
  }
  if (out.length === 0) throw bad(where, 'an empty object of operators');
  return out;
}

// ---------------------------------------------------------------- evaluation in JS

const MISSING: unique symbol = Symbol('missing');

/**
 * Every value at `path` in `doc`, MISSING where there is none: a path through an array looks inside
 * each element that is an object (and is missing if none has it).
 */
function valuesAt(doc: unknown, p: readonly string[], from = 0): unknown[] {
  if (from === p.length) return [doc];
  if (Array.isArray(doc) && from > 0) {
    const out = doc.flatMap((item) => (typeof item === 'object' && item !== null && !Array.isArray(item) ? valuesAt(item, p, from) : []));
    return out.length > 0 ? out : [MISSING];
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !Object.prototype.hasOwnProperty.call(doc, p[from]!)) return [MISSING];
  return valuesAt((doc as Record<string, unknown>)[p[from]!], p, from + 1);
}

/** The scalars a field offers to equality and comparisons: itself, or an array's elements (and the array). */
function* candidates(values: unknown[]): Generator<unknown> {
  for (const v of values) {
    if (Array.isArray(v)) yield* v;
    else yield v;
  }
}

/** What one entry offers a field's conditions: the engine's filter columns store exactly this per slot. */
export interface FieldValues {
  /** The path is missing on some branch (what `{ f: null }` and `$ne` / `$nin` match). */
  missing: boolean;
  /** The path has a value on some branch (`$exists: true`; null counts). */
  present: boolean;
  /** The values equality, `$in` and comparisons look at: scalars, an array's elements (which may be anything). */
  candidates: unknown[];
}

export function fieldValues(doc: unknown, p: readonly string[]): FieldValues {
  const values = valuesAt(doc, p);
  const found = values.filter((v) => v !== MISSING);
  return { missing: found.length < values.length, present: found.length > 0, candidates: [...candidates(found)] };
}

/** `a op b`, false across types: the one comparison every evaluator uses (program.ts for strings). */
export function compare(a: unknown, op: CompareOp, b: number | string): boolean {
  if (typeof a !== typeof b) return false;
  const x = a as number | string;
  switch (op) {
    case 'gt':
      return x > b;
    case 'gte':
      return x >= b;
    case 'lt':
      return x < b;
    case 'lte':
      return x <= b;
  }
}

/** Whether `metadata` passes the compiled filter: the reference the engine's evaluation is tested against. */
export function matchesFilter(node: FilterNode, metadata: unknown): boolean {
  switch (node.kind) {
    case 'all':
      return true;
    case 'and':
      return node.nodes.every((n) => matchesFilter(n, metadata));
    case 'or':
      return node.nodes.some((n) => matchesFilter(n, metadata));
    case 'not':
      return !matchesFilter(node.node, metadata);
    case 'exists':
      return valuesAt(metadata, node.path).some((v) => v !== MISSING);
    case 'in': {
      const values = valuesAt(metadata, node.path);
      const wantsNull = node.values.includes(null);
      if (wantsNull && values.some((v) => v === MISSING)) return true;
      for (const v of candidates(values)) if (v !== MISSING && node.values.includes(v as FilterScalar)) return true;
      return false;
    }
    case 'compare': {
      for (const v of candidates(valuesAt(metadata, node.path))) if (compare(v, node.op, node.value)) return true;
      return false;
    }
  }
}
