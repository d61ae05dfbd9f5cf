/**
 * An object filter (src/filter/filter.ts) as a SQL condition on the jsonb `metadata` column that
 * selects exactly the rows matchesFilter selects in JS. Every leaf is a jsonb_path_exists whose path
 * and values are BOUND parameters; field names are written into the jsonpath as JSON string literals
 * (a jsonpath is not SQL: a hostile field name can at most fail to match).
 *
 * How MongoDB's rules map onto lax-mode SQL/JSON paths:
 * - lax `$."a"."b"` already looks inside each element of an array it runs through, and yields nothing
 *   where a step is missing, as valuesAt does. Metadata that is not an object has no fields (guarded:
 *   lax mode would otherwise unwrap a top-level array).
 * - A filter `? (...)` on an array value tests each element, as `candidates` does; `@.type() != "array"`
 *   stops lax mode from unwrapping a nested array a second time.
 * - jsonpath comparisons across types are "unknown", i.e. never true: no cross-type matches.
 * - `null` in $eq/$in also matches where the field is missing on SOME branch (`{ 'a.b': null }` matches
 *   `{ a: [{ b: 1 }, {}] }`, as valuesAt yields MISSING for the element without b): missingIn()
 *   spells that walk out in strict-mode jsonpath with explicit type tests.
 * - Each leaf is coalesced to a boolean (NULL metadata is SQL NULL), so NOT is the plain negation.
 */
import { MemvecError } from 'memvec';
import type { FilterNode } from '../filter/filter.js';

const OPS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

export interface SqlCondition {
  sql: string;
  values: unknown[];
}

function jsonPath(path: readonly string[]): string {
  for (const p of path) {
    // jsonb cannot hold U+0000, and a jsonpath literal cannot spell it: no field can have it.
    if (p.includes('\u0000')) throw new MemvecError('INVALID_ARGUMENT', 'filter: a field name cannot contain U+0000 in PostgreSQL');
  }
  return `lax $${path.map((p) => `.${JSON.stringify(p)}`).join('')}`;
}

/**
 * A strict-mode jsonpath predicate, true when the walk of `path[i..]` from `x` (an object) ends missing
 * somewhere: the key is absent, or its value is a scalar/null with steps left, or an array with steps
 * left has no object element or an object element where the rest is missing. Strict mode, so no array
 * is unwrapped behind our back; a key is read only once keyvalue() has shown it is there (reading an
 * absent key is an error in strict mode).
 */
function missingIn(path: readonly string[], i: number, x: string): string {
  const key = JSON.stringify(path[i]);
  const child = `${x}.${key}`;
  const absent = `!exists(${x}.keyvalue() ? (@.key == ${key}))`;
  if (i === path.length - 1) return absent;
  const rest = (y: string) => missingIn(path, i + 1, y);
  return `(${absent} || (${child}.type() == "object" && ${rest(child)})`
    + ` || (${child}.type() != "object" && ${child}.type() != "array")`
    + ` || (${child}.type() == "array" && (!exists(${child}[*] ? (@.type() == "object"))`
    + ` || exists(${child}[*] ? (@.type() == "object" && ${rest('@')})))))`;
}

/** Compiles `node` against `column` (an SQL expression of type jsonb); placeholders start after `offset`. */
export function filterToSql(node: FilterNode, column: string, offset: number): SqlCondition {
  const values: unknown[] = [];
  const param = (v: unknown): string => {
    values.push(v);
    return `$${offset + values.length}`;
  };
  const exists = (path: string, vars?: unknown): string =>
    `coalesce(jsonb_typeof(${column}) = 'object' and jsonb_path_exists(${column}, ${param(path)}::jsonpath${
      vars === undefined ? '' : `, ${param(JSON.stringify(vars))}::jsonb`
    }), false)`;

  const walk = (n: FilterNode): string => {
    switch (n.kind) {
      case 'all':
        return 'true';
      case 'and':
        return `(${n.nodes.map(walk).join(' and ')})`;
      case 'or':
        return `(${n.nodes.map(walk).join(' or ')})`;
      case 'not':
        return `(not ${walk(n.node)})`;
      case 'exists':
        return exists(jsonPath(n.path));
      case 'in': {
        const p = jsonPath(n.path);
        const some = exists(`${p} ? (@.type() != "array" && @ == $v[*])`, { v: n.values });
        if (!n.values.includes(null)) return some;
        // Metadata that is not an object (or NULL) has no fields at all.
        const missing = `(coalesce(jsonb_typeof(${column}) <> 'object', true) or jsonb_path_exists(${column}, ${param(`strict $ ? (${missingIn(n.path, 0, '@')})`)}::jsonpath))`;
        return `(${some} or ${missing})`;
      }
      case 'compare':
        return exists(`${jsonPath(n.path)} ? (@.type() != "array" && @ ${OPS[n.op]} $v)`, { v: n.value });
    }
  };
  return { sql: walk(node), values };
}
