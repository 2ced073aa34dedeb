/**
 * The live dashboard of a real offline run, opened in headless Chromium (Debian's `chromium`, driven by
 * playwright-core): while the pipeline runs, the page must show the architecture, the records produced and archived,
 * the consumer lag, the per-minute series of every view beside the reference, and the dead letters by reason. What it
 * shows is compared with what the test knows independently: the workload's own truth (generated here again from the
 * seed), the producer's result and the checks' read-back in the report. A screenshot goes to the work folder.
 *
 * Skips, saying why, when no Chromium is installed (scripts/ensure-chromium.sh installs it; `npm test` runs that).
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { DASHBOARD_LINE_PREFIX } from '../../local/dashboard';
import { contentChoices } from '../../local/dashboard/sources';
import { type PipelineOptions, type PipelineReport, runPipeline } from '../../local/pipeline';
import { generateWorkload } from '../../local/workload';
import { findChromium, NO_CHROMIUM } from '../support/chromium';

const executablePath = findChromium();
if (!executablePath) process.stderr.write(`local-dashboard.test.ts SKIPPED: ${NO_CHROMIUM}\n`);
const describeWithChromium = executablePath ? describe : describe.skip;

const OPTS: PipelineOptions = {
  architecture: 'lambda',
  seed: 515,
  records: 1200,
  startTime: '2026-11-20T23:52:00.000Z',
  spanMinutes: 12,
  putRatePerSecond: 200,
  templatesDir: join(__dirname, 'fixtures', 'templates'),
  windowSeconds: 5,
  reprocess: false,
};

/** The minutes table as the page shows it: header names and, per minute, the cells as text. */
async function minutesTable(page: Page): Promise<{ head: string[]; rows: string[][] }> {
  const table = page.locator('[data-testid="minutes-table"]');
  const head = await table.locator('thead th').allTextContents();
  const rows: string[][] = [];
  for (const tr of await table.locator('tbody tr').all()) rows.push(await tr.locator('td').allTextContents());
  return { head, rows };
}

const text = async (page: Page, id: string) =>
  (await page.locator(`[data-testid="${id}"]`).textContent()) ?? '';
const num = (s: string) => Number(s.replace(/[^0-9]/g, ''));

describeWithChromium('dashboard of a running pipeline, in headless Chromium', () => {
  let report: PipelineReport;
  let browser: Browser;
  let page: Page;
  let screenshot: Buffer | undefined;
  let batchSeen = false;
  const lines: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    let announce: (url: string) => void = () => undefined;
    const announced = new Promise<string>((resolve) => {
      announce = resolve;
    });
    const running = runPipeline({
      ...OPTS,
      log: (l) => {
        lines.push(l);
        if (l.startsWith(DASHBOARD_LINE_PREFIX)) announce(l.slice(DASHBOARD_LINE_PREFIX.length));
      },
    });
    const watching = (async () => {
      const url = await Promise.race([announced, running.then(() => undefined)]);
      if (!url) return;
      await page.goto(url);
      // Wait, while the run goes on, for the batch view to appear (it is written near the end); then photograph it.
      await page
        .locator('[data-testid="minute-totals"]')
        .filter({ hasText: /batch [1-9]/ })
        .waitFor({ timeout: 0 });
      batchSeen = true;
      await page.waitForTimeout(1500); // two more refreshes, so the speed and lag figures are the settled ones
      screenshot = await page.screenshot({ fullPage: true });
    })();
    report = await running;
    // The run is over: its server is gone, and the page keeps the last state it drew.
    await Promise.race([watching, page.waitForTimeout(5000)]);
    if (screenshot) {
      writeFileSync(join(report.workDir, 'dashboard.png'), screenshot);
      if (process.env.UPDATE_DASHBOARD_SCREENSHOT) {
        mkdirSync(join(__dirname, '..', '..', 'docs', 'img'), { recursive: true });
        copyFileSync(
          join(report.workDir, 'dashboard.png'),
          join(__dirname, '..', '..', 'docs', 'img', 'dashboard.png'),
        );
      }
    }
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
  });

  test('the run printed the address and passed its checks', () => {
    expect(lines.some((l) => /^dashboard: http:\/\/127\.0\.0\.1:\d+\/$/.test(l))).toBe(true);
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
  });

  test('the page saw the batch view while the run went on, and a screenshot was saved', () => {
    expect(batchSeen).toBe(true);
    expect(existsSync(join(report.workDir, 'dashboard.png'))).toBe(true);
  });

  test('the architecture and the speed engines running are labelled', async () => {
    expect(await text(page, 'architecture')).toBe(
      'lambda architecture · speed engine: Lambda consumer (local ESM) + Flink',
    );
  });

  test('produced equals what the producer had accepted; archived equals it too once settled', async () => {
    expect(num(await text(page, 'produced-total'))).toBe(report.producer?.sent);
    expect(num(await text(page, 'archived-total'))).toBe(report.producer?.sent);
    expect(await text(page, 'esm-lag')).toMatch(/^[\d,]+ records$/);
    // The Flink job stops once it has settled (before the batch): its last reading stays, marked as such.
    expect(await text(page, 'flink-state')).toMatch(
      /^RUNNING, source read [\d,]+ · last read \d\d:\d\d:\d\d UTC$/,
    );
    expect(await text(page, 'errors')).toContain('flink lag: the Flink job is not running');
  });

  test('both charts have their series', async () => {
    const legends = await page.locator('.u-legend .u-series .u-label').allInnerTexts();
    expect(legends).toEqual(
      expect.arrayContaining([
        'produced /s',
        'archived /s',
        'reference (generator truth)',
        'speed view (Lambda consumer)',
        'flink-v1 view (Flink)',
        'batch view (Spark)',
      ]),
    );
    expect(await page.locator('canvas').count()).toBeGreaterThanOrEqual(2);
  });

  test('per minute: reference = the truth; batch and flink = reference on the closed day; speed ≥ reference', async () => {
    const w = generateWorkload(OPTS);
    const top = contentChoices(w.refAllMinutes.values())[0];
    if (!top) throw new Error('the workload has no event');
    const truth = new Map(
      [...w.refAllMinutes.values()]
        .filter((a) => a.contentId === top.contentId && a.type === top.type)
        .map((a) => [a.bucket, a.count]),
    );
    const { head, rows } = await minutesTable(page);
    expect(head).toEqual(['minute (UTC)', 'reference', 'speed', 'flink-v1', 'batch']);
    expect(rows.length).toBeGreaterThan(0);
    const value = (s: string | undefined) => (s === '–' || s === undefined ? null : num(s));
    for (const [minute, ref, speed, flink, batch] of rows) {
      const expected = truth.get(minute as string) ?? 0;
      expect([minute, value(ref)]).toEqual([minute, expected]);
      expect(value(speed)).toBeGreaterThanOrEqual(expected);
      if (minute?.startsWith(w.closedDay)) {
        expect([minute, value(batch), value(flink)]).toEqual([minute, expected, expected]);
      } else expect([minute, value(batch)]).toEqual([minute, null]);
    }
  });

  test('dead letters by reason add up to what the checks read from the queue', async () => {
    const dlq = report.deadLetters.find((d) => d.destination === 'dead-letter queue (SQS)');
    const rows: string[][] = [];
    for (const tr of await page.locator('[data-testid="dead-letters"] tbody tr').all())
      rows.push(await tr.locator('td').allTextContents());
    const sqs = rows.filter((r) => r[0] === 'dead-letter queue (SQS)' && !r[1]?.startsWith('total'));
    expect(Object.fromEntries(sqs.map((r) => [r[1], Number(r[2])]))).toEqual(dlq?.reasons);
  });
});
