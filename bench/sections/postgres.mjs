// Section 6: how to load rows into pgvector. exportToPostgres and syncToPostgres write `key text,
// embedding vector(d), metadata jsonb` rows; the issue asked: COPY or multi-row INSERT? Measured here,
// each method loading the same rows into a fresh table inside one transaction (as the export does),
// index creation excluded, in PGlite + pgvector (PostgreSQL compiled to WASM, in this process), called
// directly: this machine's apt has no pgvector for a real server, and pglite-socket, which the tests
// reach through `pg`, does not speak COPY's sub-protocol. So this compares the SERVER's work per
// method (parsing, planning, the vector input function), not network round trips, which on a real
// server favour fewer, larger statements further. Rounds alternate; the best of each is kept.
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { randomVectors } from '../../data/synthetic.mjs';
import { num, ratio, table } from '../table.mjs';
import { now } from '../timing.mjs';

const ROUNDS = 3;
const literal = (v) => `[${Array.from(v).join(',')}]`;
/** An array parameter as `pg` sends one (PGlite's own serializer does not quote elements). */
const arrayLiteral = (xs) => `{${xs.map((x) => `"${x.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;

/** The methods, each (client, table, rows) → loads all rows. */
const METHODS = [
  {
    name: 'multi-row INSERT, 500 rows a statement (memvec before)',
    async load(c, t, rows) {
      for (let i = 0; i < rows.length; i += 500) {
        const values = [];
        const tuples = rows.slice(i, i + 500).map((r) => {
          values.push(r.key, r.vec, r.meta);
          const n = values.length;
          return `($${n - 2}, $${n - 1}::vector, $${n}::jsonb)`;
        });
        await c.query(`insert into ${t} (key, embedding, metadata) values ${tuples.join(', ')}`, values);
      }
    },
  },
  {
    name: 'INSERT … SELECT unnest(text[], vector[], jsonb[]), 500 rows',
    batch: 500,
  },
  {
    name: 'INSERT … SELECT unnest(text[], vector[], jsonb[]), 5,000 rows',
    batch: 5000,
  },
  {
    name: 'COPY, text format',
    async load(c, t, rows) {
      const text = rows.map((r) => `${r.key}\t${r.vec}\t${r.meta}\n`).join('');
      await c.query(`copy ${t} (key, embedding, metadata) from '/dev/blob'`, [], { blob: new Blob([text]) });
    },
  },
];
for (const m of METHODS) {
  if (m.load) continue;
  m.load = async (c, t, rows) => {
    for (let i = 0; i < rows.length; i += m.batch) {
      const part = rows.slice(i, i + m.batch);
      await c.query(
        `insert into ${t} (key, embedding, metadata) select * from unnest($1::text[], $2::vector[], $3::jsonb[])`,
        [arrayLiteral(part.map((r) => r.key)), arrayLiteral(part.map((r) => r.vec)), arrayLiteral(part.map((r) => r.meta))],
      );
    }
  };
}

export async function postgresSection({ sizes, log }) {
  const { n, dim } = sizes.postgres;
  const data = randomVectors(n, dim, 77);
  const rows = Array.from({ length: n }, (_, i) => ({
    key: `doc-${i}`, vec: literal(data.subarray(i * dim, (i + 1) * dim)), meta: JSON.stringify({ i, lang: i % 3 ? 'en' : 'de' }),
  }));
  const client = await PGlite.create({ extensions: { vector } });
  try {
    await client.query('create extension if not exists vector');
    const best = METHODS.map(() => Infinity);
    let t = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, m] of METHODS.entries()) {
        const name = `load_${t++}`;
        await client.query(`create table ${name} (key text primary key, embedding vector(${dim}) not null, metadata jsonb)`);
        const start = now();
        await client.query('begin');
        await m.load(client, name, rows);
        await client.query('commit');
        best[i] = Math.min(best[i], now() - start);
        const [{ count }] = (await client.query(`select count(*)::int as count from ${name}`)).rows;
        if (count !== n) throw new Error(`${m.name} loaded ${count} rows, not ${n}`);
        await client.query(`drop table ${name}`);
        log(`postgres: round ${round + 1}, ${m.name}: ${num(now() - start)} ms`);
      }
    }
    const copyMs = best.at(-1);
    const out = METHODS.map((m, i) => [m.name, num(best[i]), num((n / best[i]) * 1000), ratio(copyMs, best[i])]);
    return `## 6. Loading rows into pgvector\n\n${num(n)} rows of \`key text, embedding vector(${dim}), metadata jsonb\`, one transaction per load, ` +
      `no index; PGlite + pgvector called in process (the server's work only: see bench/sections/postgres.mjs); best of ${ROUNDS} alternating rounds. ` +
      `\`vs COPY\` is COPY's time over the method's (1.00 = as fast as COPY).\n\n` +
      table(['method', '>ms', '>rows/s', '>vs COPY'], out);
  } finally {
    await client.close();
  }
}
