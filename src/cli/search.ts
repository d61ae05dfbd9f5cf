/**
 * memvec search <store> --vector '[…]' | --query-file q.fvecs: the k nearest entries of each query.
 * An HNSW index (.mvi or a snapshot) answers approximately, with --ef and object --filter; an exact
 * store answers by a cosine scan of every vector (it keeps no metadata, so no --filter).
 */
import type { MetadataFilter } from '../index.js';
import { MemvecError } from '../index.js';
import { intOption, UsageError } from './args.js';
import type { Command } from './command.js';
import { closeStore, openStore, shapeOf } from './open-store.js';
import { cell, table } from './output.js';
import { FORMATS, openVectorFile } from './vector-file.js';

interface Hit {
  key: string;
  score: number;
  distance: number;
  metadata?: unknown;
}

function parseJson(flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--${flag} is not valid JSON (${(err as Error).message})`);
  }
}

async function readQueries(values: Record<string, unknown>, dimension: number): Promise<{ data: Float32Array; count: number }> {
  const { vector, 'query-file': queryFile } = values;
  if ((vector === undefined) === (queryFile === undefined)) throw new UsageError('give exactly one of --vector and --query-file');
  if (typeof vector === 'string') {
    const v = parseJson('vector', vector);
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) throw new UsageError(`--vector must be a JSON array of numbers, like '[0.1, 0.2, 0.3]'`);
    return { data: Float32Array.from(v as number[]), count: 1 };
  }
  const file = await openVectorFile(queryFile as string);
  if (file.dimension !== dimension) {
    throw new MemvecError('DIMENSION_MISMATCH', `${file.path} holds queries of dimension ${file.dimension}, the store ${dimension}`);
  }
  const data = new Float32Array(file.rows * dimension);
  let at = 0;
  for await (const batch of file.batches(4096)) {
    data.set(batch.vectors, at);
    at += batch.vectors.length;
  }
  return { data, count: file.rows };
}

export const searchCommand: Command = {
  spec: {
    name: 'search',
    summary: 'The k nearest entries to a vector (--vector) or to each vector of a file (--query-file).',
    usage: "<store> (--vector '[…]' | --query-file <file>) [options]",
    positionals: ['store'],
    options: {
      vector: { type: 'string', value: "'[…]'", help: 'one query, a JSON array of numbers' },
      'query-file': { type: 'string', value: '<file>', help: `queries from a ${FORMATS} file, each answered in turn` },
      k: { type: 'string', value: '<n>', help: 'results per query (default 10)' },
      ef: { type: 'string', value: '<n>', help: "HNSW candidate list size (default: the index's efSearch); larger is slower and more exact" },
      filter: { type: 'string', value: "'{…}'", help: 'HNSW only: an object filter on metadata, e.g. \'{"lang":"en","year":{"$gte":2020}}\'' },
    },
    more: [
      'With --json: --vector gives an array of { key, score, distance, metadata }, best first; --query-file',
      'an array of such arrays, one per query. Scores are similarities (higher is better). An exact store',
      'answers with its row ids as keys.',
      '',
      'Examples:',
      "  memvec search docs.mvi --vector '[0.1, 0.2, 0.3]' --k 5 --filter '{\"lang\":\"en\"}'",
      '  memvec search sift.mvi --query-file sift_query.fvecs --k 10 --ef 64 --json',
    ].join('\n'),
  },

  async run({ args, out, signal }) {
    const { values } = args;
    const k = intOption(values, 'k', 1, 1 << 20, 10);
    const ef = intOption(values, 'ef', 1, 1 << 20);
    const filter = typeof values.filter === 'string' ? parseJson('filter', values.filter) : undefined;
    if (filter !== undefined && (filter === null || typeof filter !== 'object' || Array.isArray(filter))) {
      throw new UsageError(`--filter must be a JSON object, like '{"lang":"en"}'`);
    }
    if (values.vector === undefined && values['query-file'] === undefined) throw new UsageError('give exactly one of --vector and --query-file');

    const store = await openStore(args.positionals[0]!, { write: false, signal });
    let answers: Hit[][];
    try {
      const { dimension } = shapeOf(store);
      const queries = await readQueries(values, dimension);
      if (store.kind === 'exact') {
        if (filter !== undefined || ef !== undefined) {
          throw new UsageError(`${filter !== undefined ? '--filter' : '--ef'} needs an HNSW index: ${store.path} is an exact store (no metadata, no graph)`);
        }
        answers = [];
        for (let q = 0; q < queries.count; q++) {
          const query = queries.data.subarray(q * dimension, (q + 1) * dimension);
          answers.push(store.store.cosineSearch(query, { topK: k }).map(([id, score]) => ({ key: String(id), score, distance: 1 - score })));
        }
      } else {
        const options = { ...(ef !== undefined && { ef }), ...(filter !== undefined && { filter: filter as MetadataFilter }) };
        answers = store.index.searchBatch(queries.data, k, options).map((hits) =>
          hits.map(({ key, score, distance, metadata }) => ({ key, score, distance, metadata })),
        );
      }
    } finally {
      closeStore(store);
    }

    const single = values.vector !== undefined;
    out.result(single ? answers[0] : answers, () => {
      const showMeta = answers.some((hits) => hits.some((h) => h.metadata !== undefined));
      const header = ['rank', 'key', 'score', ...(showMeta ? ['metadata'] : [])];
      const blocks = answers.map((hits, q) => {
        const rows = hits.map((h, i) => [String(i + 1), h.key, h.score.toFixed(6), ...(showMeta ? [cell(h.metadata)] : [])]);
        const body = rows.length > 0 ? table(header, rows) : '(no results)';
        return single ? body : `query ${q}:\n${body}`;
      });
      return blocks.join('\n\n');
    });
  },
};
