// Seeded random data for the tests: the generators the benchmarks use too, so numbers line up.
export { clusteredVectors, randomVectors, rng } from '../../data/synthetic.mjs';
