/**
 * Where the deletion bitmap of a MemMapVector file lives. Vectors grow in place from VECTORS_OFFSET,
 * so the bitmap sits past them with slack: appends fill the slack, and only when they would run into
 * the bitmap is it moved further out (a commit of its own). Slack grows with the file (1/8 of the
 * vector bytes), so moves are rare and the bitmap copies they cost are amortized to nothing.
 */
import { bitmapBytes } from '../format/flat-header.js';
import type { RowLayout } from '../format/flat-layout.js';

const MIN_SLACK = 64 * 1024;
const PAGE = 4096;

export interface RegionPlan {
  bitmapRegion: number;
  bitmapCapacity: number;
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}

/**
 * A bitmap region for a file that will hold `count` vectors laid out as `layout` says: with room to
 * grow, or `tight` right after the vectors (a compacted file; its first append moves the bitmap out again).
 */
export function planRegion(count: number, layout: RowLayout, tight = false): RegionPlan {
  const vectorsEnd = layout.vectorsEnd(count);
  const slack = tight ? 0 : Math.max(MIN_SLACK, Math.ceil((count * layout.bytesPerVector) / 8));
  const bitmapRegion = roundUp(vectorsEnd + slack, PAGE);
  // Enough bitmap for every vector that can fit before the region.
  const maxCount = layout.maxCount(bitmapRegion);
  return { bitmapRegion, bitmapCapacity: roundUp(Math.max(64, bitmapBytes(maxCount)), 64) };
}

/** True when `count` vectors no longer fit before the region or their bitmap no longer fits an area. */
export function outgrows(plan: RegionPlan, count: number, layout: RowLayout): boolean {
  return layout.vectorsEnd(count) > plan.bitmapRegion || bitmapBytes(count) > plan.bitmapCapacity;
}

/** The file size a store with this plan needs: the end of the second bitmap area. */
export function regionEnd(plan: RegionPlan): number {
  return plan.bitmapRegion + 2 * plan.bitmapCapacity;
}
