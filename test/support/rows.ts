// Rows of a flat Float32Array (n·dim values, row-major), as every test holds its vectors, and the
// reference data of a store with deletions: one definition for every test file.

/** Row `i` of `data` (a view, not a copy). */
export function row(data: Float32Array, dim: number, i: number): Float32Array {
  return data.subarray(i * dim, (i + 1) * dim);
}

/**
 * Reference data with deletions applied the way the exact store applies them: deleted rows read as
 * zero (and the reference top-k skips all-zero rows). A copy; `data` is unchanged.
 */
export function withDeleted(data: Float32Array, dim: number, deleted: Iterable<number>): Float32Array {
  const out = data.slice();
  for (const id of deleted) out.fill(0, id * dim, (id + 1) * dim);
  return out;
}
