// Random metadata and random object filters from a seed, for testing every evaluator of the filter
// language (the engine's columns, SQL on pgvector) against the JS reference, matchesFilter. Documents
// mix present, null and missing fields, arrays (of scalars and of objects), nested objects, and entries
// whose metadata is no object at all; filters use every operator, nested up to three levels.
import type { MetadataFilter } from '../../src/filter/filter.js';
import { rng } from './random.js';

const VALUES = ['a', 'b', 'c', 1, 2, 3, true, false, null, '1'];
const FIELDS = ['x', 'y', 'n.z'];

export function randomFilters(seed: number): { doc(): unknown; filter(): MetadataFilter } {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const value = (): unknown => (r() < 0.3 ? [pick(VALUES), pick(VALUES)] : pick(VALUES));
  const doc = (): unknown => {
    const u = r();
    if (u < 0.04) return undefined;
    if (u < 0.06) return 'not an object';
    if (u < 0.08) return [{ x: 'a' }];
    const d: Record<string, unknown> = {};
    if (r() < 0.8) d.x = value();
    if (r() < 0.8) d.y = value();
    if (r() < 0.5) d.n = r() < 0.7 ? { z: value() } : [{ z: value() }, { w: 1 }];
    return d;
  };
  const filter = (depth = 0): MetadataFilter => {
    const field = pick(FIELDS);
    switch (depth < 2 ? Math.floor(r() * 10) : Math.floor(r() * 7)) {
      case 0: return { [field]: pick(VALUES) as never };
      case 1: return { [field]: { $ne: pick(VALUES) as never } };
      case 2: return { [field]: { $in: [pick(VALUES), pick(VALUES)] as never } };
      case 3: return { [field]: { $nin: [pick(VALUES), pick(VALUES)] as never } };
      case 4: return { [field]: { [pick(['$gt', '$gte', '$lt', '$lte'])]: pick([1, 2, 3, 'a', 'b', '1']) } };
      case 5: return { [field]: { $exists: r() < 0.5 } };
      case 6: return { [field]: null };
      case 7: return { $and: [filter(depth + 1), filter(depth + 1)] };
      case 8: return { $or: [filter(depth + 1), filter(depth + 1)] };
      default: return { $not: filter(depth + 1) };
    }
  };
  return { doc, filter: () => filter() };
}
