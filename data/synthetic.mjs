// Seeded synthetic vectors shared by the tests and the benchmarks, so the same seed gives the same
// floats everywhere and every failure reproduces.

/** mulberry32: a tiny, fast, seedable PRNG returning floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n·dim floats uniform in [-1, 1). */
export function randomVectors(n, dim, seed) {
  const r = rng(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i++) out[i] = r() * 2 - 1;
  return out;
}

/** Gaussian-ish clusters: `clusters` random centres, each point a centre plus small noise. */
export function clusteredVectors(n, dim, clusters, seed, normalize = false) {
  const r = rng(seed);
  const centres = new Float32Array(clusters * dim);
  for (let i = 0; i < centres.length; i++) centres[i] = r() * 2 - 1;
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r() * clusters);
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const noise = (r() + r() + r() - 1.5) * 0.35;
      const v = centres[c * dim + j] + noise;
      out[i * dim + j] = v;
      norm += v * v;
    }
    if (normalize) {
      const inv = 1 / Math.sqrt(norm);
      for (let j = 0; j < dim; j++) out[i * dim + j] *= inv;
    }
  }
  return out;
}
