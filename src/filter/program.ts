/**
 * A checked object filter (filter.ts's FilterNode) compiled against filter columns (columns.ts) into
 * the engine's program: instruction records in postfix order (layout: assembly/filter-eval.ts). Values become
 * what the columns hold: numbers sorted for a binary search, strings as their dictionary ids (a string
 * no stored metadata has cannot match and is left out), and a string comparison as the list of the
 * dictionary's strings that satisfy it, compared here in JS exactly as matchesFilter compares.
 */
import type { Column, FilterColumns } from './columns.js';
import { compare, type CompareOp, type FilterNode, type FilterScalar } from './filter.js';
import { MATCH_BITS, OP, RECORD_BYTES } from './program-codes.js';

export interface FilterProgram {
  /** Instruction records, then the value lists they point into (layout: assembly/filter-eval.ts). */
  bytes: Uint8Array;
  /** How many instruction records. */
  count: number;
  /** Bytes of evaluation stack it needs (one per instruction). */
  stackBytes: number;
}

/** One instruction as JS builds it, before it is laid out. */
interface Instruction {
  op: number;
  n?: number;
  column?: Column;
  bits?: number;
  nums?: number[];
  strs?: number[];
  range?: { lo: number; hi: number; incl: number };
}

const ascending = (a: number, b: number): number => a - b;

function stringsSatisfying(columns: FilterColumns, op: CompareOp, value: string): number[] {
  const ids: number[] = [];
  const strings = columns.strings;
  for (let id = 1; id < strings.length; id++) {
    if (compare(strings[id], op, value)) ids.push(id);
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

  const code: Instruction[] = [];
  const emit = (n: FilterNode): void => {
    switch (n.kind) {
      case 'all':
        code.push({ op: OP.ALL });
        return;
      case 'and':
      case 'or':
        n.nodes.forEach(emit);
        code.push({ op: n.kind === 'and' ? OP.AND : OP.OR, n: n.nodes.length });
        return;
      case 'not':
        emit(n.node);
        code.push({ op: OP.NOT });
        return;
      case 'exists':
        code.push({ op: OP.EXISTS, column: columns.column(n.path) });
        return;
      case 'in':
        code.push({
          op: OP.MATCH, column: columns.column(n.path), bits: inBits(n.values),
          nums: uniqueSorted(n.values.filter((v): v is number => typeof v === 'number')),
          strs: uniqueSorted(n.values.filter((v): v is string => typeof v === 'string').map((s) => columns.idOf(s)).filter((id) => id !== 0)),
        });
        return;
      case 'compare': {
        const column = columns.column(n.path);
        if (typeof n.value === 'string') code.push({ op: OP.MATCH, column, strs: stringsSatisfying(columns, n.op, n.value) });
        else {
          const v = n.value;
          const range = n.op === 'gt' ? { lo: v, hi: Infinity, incl: 0 } : n.op === 'gte' ? { lo: v, hi: Infinity, incl: 1 }
            : n.op === 'lt' ? { lo: -Infinity, hi: v, incl: 0 } : { lo: -Infinity, hi: v, incl: 2 };
          code.push({ op: OP.MATCH, column, range });
        }
      }
    }
  };
  emit(node);
  return layOut(code);
}

/** The records, then each record's numbers (f64) and string ids (i32), at offsets from the start. */
function layOut(code: Instruction[]): FilterProgram {
  let size = code.length * RECORD_BYTES;
  const lists = code.map((ins) => {
    const numOff = size;
    size += (ins.nums?.length ?? 0) * 8;
    const strOff = size;
    size += (ins.strs?.length ?? 0) * 4;
    size = (size + 7) & ~7; // keep the next f64 list aligned
    return { numOff, strOff };
  });
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  code.forEach((ins, i) => {
    const at = i * RECORD_BYTES;
    const { numOff, strOff } = lists[i]!;
    view.setInt32(at, ins.op, true);
    view.setInt32(at + 4, ins.n ?? 0, true);
    view.setUint32(at + 8, ins.column?.slotsPtr ?? 0, true);
    view.setUint32(at + 12, ins.column?.poolPtr ?? 0, true);
    view.setInt32(at + 16, ins.bits ?? 0, true);
    view.setInt32(at + 20, ins.nums?.length ?? 0, true);
    view.setInt32(at + 24, numOff, true);
    view.setInt32(at + 28, ins.strs?.length ?? 0, true);
    view.setInt32(at + 32, strOff, true);
    view.setInt32(at + 36, ins.range === undefined ? 0 : 1, true);
    view.setInt32(at + 40, ins.range?.incl ?? 0, true);
    view.setFloat64(at + 48, ins.range?.lo ?? 0, true);
    view.setFloat64(at + 56, ins.range?.hi ?? 0, true);
    ins.nums?.forEach((x, j) => view.setFloat64(numOff + j * 8, x, true));
    ins.strs?.forEach((x, j) => view.setInt32(strOff + j * 4, x, true));
  });
  return { bytes, count: code.length, stackBytes: code.length };
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
