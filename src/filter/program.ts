/**
 * A checked object filter (filter.ts's FilterNode) compiled against filter columns (columns.ts) into
 * the engine's program: f64 words in postfix order (encoding: assembly/filter-eval.ts). Values become
 * what the columns hold: numbers sorted for a binary search, strings as their dictionary ids (a string
 * no stored metadata has cannot match and is left out), and a string comparison as the list of the
 * dictionary's strings that satisfy it, compared here in JS exactly as matchesFilter compares.
 */
import type { Column, FilterColumns } from './columns.js';
import type { CompareOp, FilterNode, FilterScalar } from './filter.js';
import { MATCH_BITS, OP } from './program-codes.js';

export interface FilterProgram {
  words: Float64Array;
  /** Bytes of evaluation stack it needs (one per instruction bounds it). */
  stackBytes: number;
}

const ascending = (a: number, b: number): number => a - b;

function stringsSatisfying(columns: FilterColumns, op: CompareOp, value: string): number[] {
  const ids: number[] = [];
  const strings = columns.strings;
  for (let id = 1; id < strings.length; id++) {
    const s = strings[id]!;
    if (op === 'gt' ? s > value : op === 'gte' ? s >= value : op === 'lt' ? s < value : s <= value) ids.push(id);
  }
  return ids;
}

/**
 * Compiles `node`. Columns are made (or brought up to date) for every path first, since making one
 * may move another's memory; only then are pointers written into the program.
 */
export function compileProgram(node: FilterNode, columns: FilterColumns): FilterProgram {
  const paths: (readonly string[])[] = [];
  const collect = (n: FilterNode): void => {
    if (n.kind === 'and' || n.kind === 'or') n.nodes.forEach(collect);
    else if (n.kind === 'not') collect(n.node);
    else if (n.kind !== 'all') paths.push(n.path);
  };
  collect(node);
  for (const p of paths) columns.column(p);

  const words: number[] = [];
  let instructions = 0;
  const leaf = (c: Column, bits: number, nums: number[], strs: number[], range: [number, number, number] | null): void => {
    words.push(OP.MATCH, c.headPtr, c.poolPtr, bits, nums.length, ...nums, strs.length, ...strs);
    if (range === null) words.push(0, 0, 0, 0);
    else words.push(1, ...range);
  };
  const emit = (n: FilterNode): void => {
    instructions++;
    switch (n.kind) {
      case 'all':
        words.push(OP.ALL);
        return;
      case 'and':
      case 'or':
        n.nodes.forEach(emit);
        words.push(n.kind === 'and' ? OP.AND : OP.OR, n.nodes.length);
        return;
      case 'not':
        emit(n.node);
        words.push(OP.NOT);
        return;
      case 'exists': {
        const c = columns.column(n.path);
        words.push(OP.EXISTS, c.headPtr, c.poolPtr);
        return;
      }
      case 'in':
        leaf(columns.column(n.path), inBits(n.values), uniqueSorted(n.values.filter((v): v is number => typeof v === 'number')),
          uniqueSorted(n.values.filter((v): v is string => typeof v === 'string').map((s) => columns.idOf(s)).filter((id) => id !== 0)), null);
        return;
      case 'compare': {
        const c = columns.column(n.path);
        if (typeof n.value === 'string') leaf(c, 0, [], stringsSatisfying(columns, n.op, n.value), null);
        else {
          const v = n.value;
          const range: [number, number, number] = n.op === 'gt' ? [v, Infinity, 0] : n.op === 'gte' ? [v, Infinity, 1]
            : n.op === 'lt' ? [-Infinity, v, 0] : [-Infinity, v, 2];
          leaf(c, 0, [], [], range);
        }
      }
    }
  };
  emit(node);
  return { words: Float64Array.from(words), stackBytes: instructions };
}

function inBits(values: readonly FilterScalar[]): number {
  let bits = 0;
  if (values.includes(null)) bits |= MATCH_BITS.MISSING | MATCH_BITS.NULL;
  if (values.includes(false)) bits |= MATCH_BITS.FALSE;
  if (values.includes(true)) bits |= MATCH_BITS.TRUE;
  return bits;
}

function uniqueSorted(xs: number[]): number[] {
  return [...new Set(xs)].sort(ascending);
}
