// The deterministic sequence of writes that the crash test runs in a child process and replays in the
// parent: op i is an append, a delete or a compaction, chosen and filled from i alone.

export const DIM = 16;

function vectorsFor(i) {
  const n = (i % 5) + 1;
  const out = new Float32Array(n * DIM);
  for (let j = 0; j < out.length; j++) out[j] = Math.sin(i * 131 + j * 7) + 1.5;
  return out;
}

/** What op i does, given how many vectors the store holds before it. */
export function opFor(i, total) {
  if (i % 40 === 39) return { kind: 'compact' };
  if (i % 4 === 3 && total > 0) return { kind: 'delete', id: (i * 7919) % total };
  return { kind: 'add', vectors: vectorsFor(i) };
}

/** Applies op i to a plain model { rows: Float32Array[], deleted: Set<number> }. */
export function applyToModel(model, i) {
  const op = opFor(i, model.rows.length);
  if (op.kind === 'add') {
    for (let k = 0; k < op.vectors.length / DIM; k++) model.rows.push(op.vectors.slice(k * DIM, (k + 1) * DIM));
  } else if (op.kind === 'delete') {
    model.deleted.add(op.id);
  } else if (model.deleted.size > 0) {
    model.rows = model.rows.filter((_, id) => !model.deleted.has(id));
    model.deleted = new Set();
  }
}

/** Applies op i to a real store. */
export async function applyToStore(db, i) {
  const op = opFor(i, db.getTotalVectors());
  if (op.kind === 'add') db.addVectors(op.vectors);
  else if (op.kind === 'delete') db.markDeleted(op.id);
  else await db.compact();
}
