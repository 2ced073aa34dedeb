/** The runtime reads the real synthesized app (both architectures): every resource it needs is found from the templates. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Outputs } from '../../lib/contracts/outputs';
import { parseJqKeys } from '../../local/archive-writer';
import { REPO_ROOT } from '../../local/emulators';
import { physicalNameFor } from '../../local/resources';
import { synthesize } from '../../local/synth';
import { readInfra } from '../../local/templates';

describe.each(['lambda', 'kappa'] as const)('synthesized %s app', (architecture) => {
  const out = mkdtempSync(join(tmpdir(), `streamlake-synth-${architecture}-`));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test('exports the stream, views table and lake buckets, and an archive the local writer can reproduce', () => {
    const infra = readInfra(synthesize(REPO_ROOT, architecture, out));
    for (const o of [
      Outputs.streamName,
      Outputs.viewTableName,
      Outputs.rawBucketName,
      Outputs.curatedBucketName,
      Outputs.analyticsBucketName,
    ]) {
      expect(physicalNameFor(infra, o)).toMatch(/.{3,}/);
    }
    expect(infra.firehoses).toHaveLength(1);
    const fh = infra.firehoses[0];
    expect(fh?.bucketLogicalId).toBe(infra.outputs[Outputs.rawBucketName]);
    expect(() => parseJqKeys(fh?.partitionKeyQuery ?? '')).not.toThrow();
  }, 300_000);
});
