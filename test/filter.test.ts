// Metadata filters as data (src/filter/filter.ts): MongoDB's rules, each shown on documents, bad filters
// refused with INVALID_ARGUMENT, and on random documents and filters the laws that tie the operators
// together ($ne is not $eq, $nin is not $in, $or is a union, De Morgan).
import { describe, expect, it } from 'vitest';
import { compileFilter, matchesFilter, type MetadataFilter } from '../src/filter/filter.js';
import { expectCode } from './support/expect-code.js';
import { rng } from './support/random.js';

const DOCS: Record<string, unknown> = {
  en2021: { lang: 'en', year: 2021, tags: ['a', 'b'], doc: { year: 2021, authors: [{ name: 'x' }, { name: 'y' }] }, draft: false },
  fr2019: { lang: 'fr', year: 2019, tags: ['c'], doc: { year: 2019 }, draft: true },
  en2020s: { lang: 'en', year: '2020', tags: [] },
  nulls: { lang: null, year: null },
  bare: {},
  none: undefined,
  scalar: 'not an object',
};

/** The names of DOCS that `filter` matches. */
function matching(filter: MetadataFilter): string[] {
  const node = compileFilter(filter);
  return Object.keys(DOCS).filter((name) => matchesFilter(node, DOCS[name]));
}

describe('metadata filters: the rules', () => {
  it('matches equality by value, with no conversion across types', () => {
    expect(matching({ lang: 'en' })).toEqual(['en2021', 'en2020s']);
    expect(matching({ year: 2021 })).toEqual(['en2021']);
    expect(matching({ year: '2020' }), "'2020' is a string, not 2020").toEqual(['en2020s']);
    expect(matching({ year: 2020 })).toEqual([]);
    expect(matching({ draft: false })).toEqual(['en2021']);
    expect(matching({ year: { $eq: 2019 } })).toEqual(['fr2019']);
  });

  it('matches an array field when any element matches, for equality and $in', () => {
    expect(matching({ tags: 'b' })).toEqual(['en2021']);
    expect(matching({ tags: { $in: ['c', 'z'] } })).toEqual(['fr2019']);
    expect(matching({ tags: { $nin: ['a'] } })).toEqual(['fr2019', 'en2020s', 'nulls', 'bare', 'none', 'scalar']);
  });

  it('lets $ne and $nin match entries that lack the field, and null match missing fields', () => {
    expect(matching({ lang: { $ne: 'en' } })).toEqual(['fr2019', 'nulls', 'bare', 'none', 'scalar']);
    expect(matching({ lang: null })).toEqual(['nulls', 'bare', 'none', 'scalar']);
    expect(matching({ lang: { $ne: null } })).toEqual(['en2021', 'fr2019', 'en2020s']);
    expect(matching({ year: { $nin: [2021, 2019] } })).toEqual(['en2020s', 'nulls', 'bare', 'none', 'scalar']);
  });

  it('compares numbers with numbers and strings with strings only', () => {
    expect(matching({ year: { $gte: 2020 } })).toEqual(['en2021']);
    expect(matching({ year: { $lt: 2021 } })).toEqual(['fr2019']);
    expect(matching({ year: { $gt: 2019, $lte: 2021 } })).toEqual(['en2021']);
    expect(matching({ year: { $gte: '2000' } }), 'only the string year compares with a string').toEqual(['en2020s']);
    expect(matching({ lang: { $gt: 'en' } })).toEqual(['fr2019']);
    expect(matching({ lang: { $lt: 5 } })).toEqual([]);
  });

  it('follows dotted paths into nested objects and through arrays of objects', () => {
    expect(matching({ 'doc.year': { $lt: 2020 } })).toEqual(['fr2019']);
    expect(matching({ 'doc.authors.name': 'y' })).toEqual(['en2021']);
    expect(matching({ 'doc.authors.name': { $exists: true } })).toEqual(['en2021']);
    expect(matching({ 'doc.year': { $exists: false } })).toEqual(['en2020s', 'nulls', 'bare', 'none', 'scalar']);
  });

  it('tells present (null included) from missing with $exists', () => {
    expect(matching({ lang: { $exists: true } })).toEqual(['en2021', 'fr2019', 'en2020s', 'nulls']);
    expect(matching({ lang: { $exists: false } })).toEqual(['bare', 'none', 'scalar']);
  });

  it('combines conditions: all of an object, $and, $or, $not, and {} for everything', () => {
    expect(matching({ lang: 'en', year: { $gte: 2020 } })).toEqual(['en2021']);
    expect(matching({ $and: [{ lang: 'en' }, { tags: 'a' }] })).toEqual(['en2021']);
    expect(matching({ $or: [{ lang: 'fr' }, { year: '2020' }] })).toEqual(['fr2019', 'en2020s']);
    expect(matching({ $not: { lang: 'en' } })).toEqual(['fr2019', 'nulls', 'bare', 'none', 'scalar']);
    expect(matching({ $or: [{ lang: 'fr' }, { $and: [{ lang: 'en' }, { $not: { tags: 'a' } }] }] })).toEqual(['fr2019', 'en2020s']);
    expect(matching({})).toEqual(Object.keys(DOCS));
  });
});

describe('metadata filters: bad filters are INVALID_ARGUMENT, naming where', () => {
  const refuse = (filter: unknown, message: RegExp) => {
    expectCode(() => compileFilter(filter), 'INVALID_ARGUMENT');
    expect(() => compileFilter(filter)).toThrow(message);
  };

  it('refuses what is not a filter', () => {
    refuse(null, /a filter is an object, not null/);
    refuse([{ a: 1 }], /a filter is an object, not an array/);
    refuse('lang', /a filter is an object/);
    refuse(new Date(), /a filter is an object/);
  });

  it('refuses unknown operators and misplaced ones', () => {
    refuse({ $nor: [{ a: 1 }] }, /filter\.\$nor: unknown operator \$nor/);
    refuse({ year: { $regex: 'x' } }, /filter\.year\.\$regex: unknown operator/);
    refuse({ year: { gte: 3 } }, /objects are not values/);
    refuse({ year: {} }, /empty object of operators/);
    refuse({ $and: [] }, /\$and takes a non-empty array/);
    refuse({ $or: { a: 1 } }, /\$or takes a non-empty array/);
  });

  it('refuses values that are not strings, finite numbers, booleans or null', () => {
    refuse({ year: NaN }, /NaN is not a finite number/);
    refuse({ year: { $gt: Infinity } }, /\$gt compares with a finite number or a string/);
    refuse({ year: { $gt: null } }, /\$gt compares with/);
    refuse({ tags: ['a'] }, /filter\.tags: values are strings, numbers, booleans or null, not an array/);
    refuse({ tags: { $in: 'a' } }, /\$in takes an array/);
    refuse({ tags: { $in: [{ a: 1 }] } }, /filter\.tags\.\$in\[0\]/);
    refuse({ lang: { $exists: 1 } }, /\$exists takes true or false/);
    refuse({ 'a..b': 1 }, /is not a field path/);
  });

  it('bounds nesting depth', () => {
    let deep: MetadataFilter = { a: 1 };
    for (let i = 0; i < 40; i++) deep = { $not: deep };
    refuse(deep, /nested deeper than 32 levels/);
  });
});

describe('metadata filters: laws on random documents and filters', () => {
  const r = rng(2026);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const VALUES = ['a', 'b', 'c', 1, 2, 3, true, false, null, '1'];
  const FIELDS = ['x', 'y', 'n.z'];
  const randomValue = (): unknown => (r() < 0.3 ? [pick(VALUES), pick(VALUES)] : pick(VALUES));
  const docs = Array.from({ length: 300 }, () => {
    const doc: Record<string, unknown> = {};
    if (r() < 0.8) doc.x = randomValue();
    if (r() < 0.8) doc.y = randomValue();
    if (r() < 0.5) doc.n = r() < 0.7 ? { z: randomValue() } : [{ z: randomValue() }, { w: 1 }];
    return doc;
  });
  const count = (f: MetadataFilter) => {
    const node = compileFilter(f);
    return docs.map((d) => matchesFilter(node, d));
  };

  it('holds $ne = not $eq, $nin = not $in, $or = union, $and = intersection, De Morgan', () => {
    for (let t = 0; t < 200; t++) {
      const field = pick(FIELDS);
      const v = pick(VALUES);
      const list = [pick(VALUES), pick(VALUES)];
      const eq = count({ [field]: v });
      expect(count({ [field]: { $ne: v } })).toEqual(eq.map((m) => !m));
      const inList = count({ [field]: { $in: list } });
      expect(count({ [field]: { $nin: list } })).toEqual(inList.map((m) => !m));
      const byOr = count({ $or: list.map((x) => ({ [field]: x })) });
      expect(inList).toEqual(byOr);
      const a: MetadataFilter = { [pick(FIELDS)]: pick(VALUES) };
      const b: MetadataFilter = { [pick(FIELDS)]: { $gte: pick([1, 2, 'a', 'b']) } };
      const [ma, mb] = [count(a), count(b)];
      expect(count({ $and: [a, b] })).toEqual(ma.map((m, i) => m && mb[i]!));
      expect(count({ $not: { $or: [a, b] } })).toEqual(count({ $and: [{ $not: a }, { $not: b }] }));
    }
  });

  it('never matches a comparison across types', () => {
    const numbers = count({ x: { $gte: -1e9 } });
    const strings = count({ x: { $gte: '' } });
    docs.forEach((d, i) => {
      const vals = ([] as unknown[]).concat(d.x === undefined ? [] : d.x);
      expect(numbers[i]).toBe(vals.some((v) => typeof v === 'number'));
      expect(strings[i]).toBe(vals.some((v) => typeof v === 'string'));
    });
  });
});
