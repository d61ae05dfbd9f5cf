// vitest globalSetup for test/runtimes: packs and installs memvec once for every runtime test file.
import { prepareProject } from './project.js';

export default async function setup(): Promise<void> {
  const start = Date.now();
  await prepareProject();
  console.log(`runtime matrix: packed and installed memvec in ${((Date.now() - start) / 1000).toFixed(1)} s`);
}
