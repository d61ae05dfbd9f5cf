// Turns a runtime's scenario results into vitest tests: one `it` per scenario, failing with the error
// the runtime reported, or with "did not run" when a scenario is missing from the results.
import { expect, it } from 'vitest';
import type { ScenarioResult } from '../suite/scenarios.js';

export function itPerScenario(names: string[], results: () => ScenarioResult[] | undefined): void {
  for (const name of names) {
    it(name, () => {
      const all = results();
      expect(all, 'the runtime produced no results (see the error above)').toBeDefined();
      const result = all!.find((r) => r.name === name);
      expect(result, `scenario "${name}" did not run`).toBeDefined();
      if (!result!.ok) throw new Error(result!.error);
    });
  }
}

/** The MATRIX_RESULTS line a server runner prints. */
export function parseResults(stdout: string): ScenarioResult[] {
  const line = stdout.split('\n').find((l) => l.startsWith('MATRIX_RESULTS '));
  if (!line) throw new Error(`no MATRIX_RESULTS line in the output:\n${stdout.slice(-4000)}`);
  return JSON.parse(line.slice('MATRIX_RESULTS '.length)) as ScenarioResult[];
}
