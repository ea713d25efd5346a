// Browser tests of the dashboard in Debian's headless Chromium (playwright-core, no downloaded browser).
// Usage: node ui/tests/browser.mjs <scenario> <orchestrator HTTP address> [screenshot folder]
// The orchestrator and its executors are started by the caller (tests/GrpcWorkflows.Dashboard.Tests).
// Prints "ok <scenario>" and "measure <scenario> <json>" lines; exits 1 with the reason on failure.
import { readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const [scenario, base, shots] = process.argv.slice(2);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TIMEOUT = 60_000;
// Where an attempt ran: an executor address (push) or an executor session (connect, the SDK's default).
const ENDPOINT = /http:\/\/127\.0\.0\.1:|session:\/\//;
// The orchestrator requires API keys: an operator's for these tests, a viewer's for the role scenario.
const KEY = process.env.GWF_API_KEY ?? '';
const VIEWER_KEY = process.env.GWF_VIEWER_KEY ?? '';

async function api(method, route, body) {
  const response = await fetch(new URL(route, base), {
    method,
    headers: { ...(KEY ? { 'x-api-key': KEY } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const submit = (definition, labels = {}) => api('POST', '/v1/executions', { definition, labels }).then((r) => r.executionId);

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function screenshot(page, name) {
  if (!shots) return;
  await mkdir(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: false });
}

const scenarios = {
  // The list shows submitted executions, with their labels, and live counts by state.
  async list(page) {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await submit({ id: `listed-${i}`, steps: { a: { type: 'echo', input: { n: i } }, b: { type: 'noop', depends_on: ['a'] } } }, { team: 'dashboard', run: String(i) }));
    await page.goto(new URL('/ui/#/executions', base).href);
    for (const id of ids) await page.locator(`tr[data-execution="${id}"]`).waitFor({ timeout: TIMEOUT });
    const row = page.locator(`tr[data-execution="${ids[2]}"]`);
    check((await row.textContent()).includes('team=dashboard'), 'the row shows the labels');
    await page.locator('.count[data-state="succeeded"] b').waitFor();
    await page.locator('input[name="search"]').fill(ids[1].slice(0, 20));
    await page.locator('.filters button[type="submit"]').click();
    await page.waitForFunction((id) => document.querySelectorAll('tr[data-execution]').length === 1 && document.querySelector(`tr[data-execution="${id}"]`), ids[1], { timeout: TIMEOUT });
    await page.locator('input[name="search"]').fill('');
    // Labels filter on the server: every label given must match.
    await page.locator('input[name="label"]').fill('team=dashboard, run=2');
    await page.locator('.filters button[type="submit"]').click();
    await page.waitForFunction((id) => document.querySelectorAll('tr[data-execution]').length === 1 && document.querySelector(`tr[data-execution="${id}"]`), ids[2], { timeout: TIMEOUT });
    await page.locator('input[name="label"]').fill('');
    await page.locator('.filters button[type="submit"]').click();
    await page.locator(`tr[data-execution="${ids[0]}"]`).waitFor({ timeout: TIMEOUT });
    await screenshot(page, 'executions');
  },

  // The seed's parallel workflow: 6 nodes, turning green live from the event stream.
  async parallel(page) {
    const definition = JSON.parse(await readFile(path.join(root, 'examples', 'parallel_workflow.json'), 'utf8'));
    await page.goto(new URL('/ui/#/executions', base).href);
    await page.locator('table.executions').waitFor();
    // Record every state a node shows, from the first render on: "live" means a node was seen in a
    // state other than succeeded before it turned green.
    await page.evaluate(() => {
      window.__seen = {};
      new MutationObserver((records) => {
        for (const r of records) {
          const targets = r.type === 'attributes' ? [r.target] : [...r.addedNodes].flatMap((n) => (n.querySelectorAll ? [...n.querySelectorAll('.node')] : []));
          for (const t of targets) if (t.dataset?.step) (window.__seen[t.dataset.step] ??= []).push(t.dataset.state);
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
    });
    const id = await page.evaluate(async (d) => {
      const r = await fetch('/v1/executions', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': localStorage.getItem('gwf.apiKey') ?? '' }, body: JSON.stringify({ definition: d }) });
      const { executionId } = await r.json();
      location.hash = `#/executions/${executionId}`;
      return executionId;
    }, definition);
    await page.locator('.dag-svg .node').first().waitFor({ timeout: TIMEOUT });
    check((await page.locator('.dag-svg .node').count()) === 6, 'the DAG shows 6 nodes');
    await page.waitForFunction(() => [...document.querySelectorAll('.dag-svg .node')].every((n) => n.dataset.state === 'succeeded'), null, { timeout: TIMEOUT });
    const seen = await page.evaluate(() => window.__seen);
    const live = Object.values(seen).filter((states) => states.some((s) => s !== 'succeeded') && states.at(-1) === 'succeeded').length;
    check(live > 0, `no node was seen turning green live (states seen: ${JSON.stringify(seen)})`);
    await page.locator('.facts .badge[data-state="succeeded"]').waitFor({ timeout: TIMEOUT });
    await page.locator('.dag-svg .node[data-step="ai_analysis"]').click();
    await page.locator('.panel h2', { hasText: 'ai_analysis' }).waitFor();
    await screenshot(page, 'execution');
    console.log(`measure parallel ${JSON.stringify({ executionId: id, nodesSeenTurningGreen: live })}`);
  },

  // A failing step shows its error and every attempt with its executor endpoint.
  async failing(page) {
    const id = await submit({
      id: 'fails-on-purpose',
      steps: {
        prepare: { type: 'echo', input: { ok: true } },
        flaky_call: { type: 'fail', depends_on: ['prepare'], input: { code: 'UPSTREAM_DOWN', message: 'the upstream service said no', retryable: true }, retry_policy: { max_attempts: 3, initial_backoff: '0.2s', backoff_multiplier: 2, max_backoff: '1s' } },
        after: { type: 'noop', depends_on: ['flaky_call'] },
      },
    });
    await page.goto(new URL(`/ui/#/executions/${id}`, base).href);
    await page.locator('.facts .badge[data-state="failed"]').waitFor({ timeout: TIMEOUT });
    await page.locator('.dag-svg .node[data-step="flaky_call"][data-state="failed"]').click();
    await page.locator('.panel .step-error', { hasText: 'the upstream service said no' }).waitFor({ timeout: TIMEOUT });
    const attempts = page.locator('.panel table.attempts tbody tr');
    await page.waitForFunction(() => document.querySelectorAll('.panel table.attempts tbody tr').length === 3, null, { timeout: TIMEOUT });
    check(ENDPOINT.test(await attempts.nth(0).textContent()), 'each attempt shows its executor endpoint (pushed to an address or sent on a session)');
    check((await page.locator('.tl-bar.attempt.failed').count()) === 3, 'the timeline shows 3 failed attempts');
    check((await page.locator('.tl-bar.backoff').count()) >= 2, 'the timeline shows the backoff between attempts');
    check(await page.locator('.dag-svg .node[data-step="after"][data-state="skipped"]').count() === 1, 'the dependent step is skipped');
    await screenshot(page, 'execution-failed');
  },

  // A step whose only executor cannot be reached waits for one, visibly: a bar in the timeline, the reason in the panel.
  async awaiting(page) {
    const id = await submit({ id: 'awaits-an-executor', steps: { call: { type: 'unreachable' } } });
    await page.goto(new URL(`/ui/#/executions/${id}`, base).href);
    await page.locator('.tl-row[data-step="call"] .tl-bar.awaiting').waitFor({ timeout: TIMEOUT });
    await page.locator('.dag-svg .node[data-step="call"]').click();
    await page.locator('.panel .awaiting', { hasText: 'Waiting for an executor' }).waitFor({ timeout: TIMEOUT });
    const title = await page.locator('.tl-row[data-step="call"] .tl-bar.awaiting').getAttribute('title');
    check(title.includes('127.0.0.1:9'), `the wait names the executor it could not reach: ${title}`);
    await api('POST', `/v1/executions/${id}:cancel`, { reason: 'done with the test' });
  },

  // Cancel from the page: the running step and the execution end CANCELLED.
  async cancel(page) {
    const id = await submit({ id: 'cancel-me', steps: { slow: { type: 'sleep', input: { ms: 120000 } }, never: { type: 'noop', depends_on: ['slow'] } } });
    await page.goto(new URL(`/ui/#/executions/${id}`, base).href);
    await page.locator('.dag-svg .node[data-step="slow"][data-state="running"]').waitFor({ timeout: TIMEOUT });
    page.once('dialog', (dialog) => dialog.accept());
    await page.locator('.actions button', { hasText: 'Cancel' }).click();
    await page.locator('.facts .badge[data-state="cancelled"]').waitFor({ timeout: TIMEOUT });
    await page.locator('.dag-svg .node[data-step="slow"][data-state="cancelled"]').waitFor({ timeout: TIMEOUT });
    const state = (await api('GET', `/v1/executions/${id}?view=EXECUTION_VIEW_SUMMARY`)).execution.state;
    check(state === 'EXECUTION_STATE_CANCELLED', `the execution is ${state}`);
    check(await page.locator('.actions button', { hasText: 'Retry' }).count() === 1, 'a cancelled execution offers Retry');
  },

  // 10,000 steps (100 levels of 100): the page opens collapsed by level and answers clicks.
  async large(page) {
    const steps = {};
    for (let level = 0; level < 100; level++) {
      for (let i = 0; i < 100; i++) steps[`s${level}_${i}`] = level === 0 ? { type: 'noop' } : { type: 'noop', depends_on: [`s${level - 1}_${i}`, `s${level - 1}_${(i + 1) % 100}`] };
    }
    const id = await submit({ id: 'ten-thousand', steps });
    const started = Date.now();
    await page.goto(new URL(`/ui/#/executions/${id}`, base).href);
    await page.locator('.graph[data-ready="true"] .level').first().waitFor({ timeout: TIMEOUT });
    const rendered = Date.now();
    await page.locator('.level[data-level="0"] summary').click();
    await page.locator('.level[data-level="0"] .chip').first().waitFor({ timeout: TIMEOUT });
    await page.locator('.level[data-level="0"] .chip[data-step="s0_7"]').click();
    await page.locator('.panel h2', { hasText: 's0_7' }).waitFor({ timeout: TIMEOUT });
    const interactive = Date.now();
    check((await page.locator('.level').count()) === 100, 'the graph shows 100 levels');
    await page.waitForFunction(() => document.querySelector('.level[data-level="99"] .level-bar span[data-state="succeeded"]')?.title === '100 succeeded', null, { timeout: 180_000 });
    const allGreen = Date.now();
    await page.locator('.facts .badge[data-state="succeeded"]').waitFor({ timeout: TIMEOUT });
    check(await page.locator('.level-bar span:not([data-state="succeeded"])').count() === 0, 'every level shows all its steps succeeded');
    await page.locator('.panel table.attempts tbody tr', { hasText: ENDPOINT }).waitFor({ timeout: TIMEOUT });
    await screenshot(page, 'execution-10000');
    console.log(`measure large ${JSON.stringify({ steps: 10000, openToRenderedMs: rendered - started, openToInteractiveMs: interactive - started, openToAllSucceededShownMs: allGreen - started })}`);
  },

  // Executors: types, endpoints, capacity, in flight, health.
  async executors(page) {
    await page.goto(new URL('/ui/#/executors', base).href);
    await page.locator('table.executors tbody tr[data-endpoint]').first().waitFor({ timeout: TIMEOUT });
    const text = await page.locator('table.executors').textContent();
    for (const type of ['input', 'process', 'ai', 'output', 'sleep']) check(text.includes(type), `the executors page lists step type ${type}`);
    await screenshot(page, 'executors');
  },

  // A viewer's key: executions are shown, Cancel and Retry are not; without a key the page asks for one.
  async viewer(page) {
    const id = await submit({ id: 'watched-by-a-viewer', steps: { slow: { type: 'sleep', input: { ms: 120000 } } } });
    await page.goto(new URL('/ui/', base).href);
    await page.evaluate((key) => localStorage.setItem('gwf.apiKey', key), VIEWER_KEY);
    await page.goto(new URL(`/ui/#/executions/${id}`, base).href);
    await page.reload();
    await page.locator('.dag-svg .node[data-step="slow"][data-state="running"]').waitFor({ timeout: TIMEOUT });
    check((await page.locator('#who').textContent()).includes('viewer'), 'the header names the viewer credential');
    check(await page.locator('.actions button', { hasText: 'Cancel' }).count() === 0, 'a viewer gets no Cancel button');
    await page.evaluate(() => localStorage.removeItem('gwf.apiKey'));
    await page.goto(new URL('/ui/#/executions', base).href);
    await page.reload();
    await page.locator('.error', { hasText: 'enter an API key' }).waitFor({ timeout: TIMEOUT });
    await api('POST', `/v1/executions/${id}:cancel`, { reason: 'test over' });
  },

  // Validate: every problem by path, or the plan drawn.
  async validate(page) {
    await page.goto(new URL('/ui/#/validate', base).href);
    const bad = { id: 'bad', steps: { a: { type: 'echo', depends_on: ['c'] }, b: { type: 'nope' }, c: { type: 'echo', depends_on: ['a'] } } };
    await page.locator('textarea').fill(JSON.stringify(bad, null, 2));
    await page.locator('main form button[type="submit"]').click();
    await page.locator('table.problems').waitFor({ timeout: TIMEOUT });
    const problems = await page.locator('table.problems').textContent();
    check(problems.includes('steps.b.type'), 'the unknown step type is reported by path');
    check(/a -> c -> a|c -> a -> c/.test(problems), 'the cycle is named');
    const definition = await readFile(path.join(root, 'examples', 'parallel_workflow.json'), 'utf8');
    await page.locator('textarea').fill(definition);
    await page.locator('main form button[type="submit"]').click();
    await page.locator('.validation .ok').waitFor({ timeout: TIMEOUT });
    check((await page.locator('.dag-svg .node').count()) === 6, 'the plan is drawn with 6 nodes');
    check((await page.locator('.dag-svg .node.critical').count()) === 4, 'the critical path (4 steps) is highlighted');
    await screenshot(page, 'validate');
  },
};

const run = scenarios[scenario];
if (!run || !base) {
  console.error(`usage: node browser.mjs <${Object.keys(scenarios).join('|')}> <http address> [screenshot folder]`);
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
// The dashboard keeps the API key in local storage: start each page with the operator's.
await page.addInitScript((key) => {
  try {
    if (location.pathname.startsWith('/ui') && !sessionStorage.getItem('gwf.test.keyed')) {
      localStorage.setItem('gwf.apiKey', key);
      sessionStorage.setItem('gwf.test.keyed', '1');
    }
  } catch { /* about:blank has no storage */ }
}, KEY);
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
try {
  await run(page);
  check(errors.length === 0, `the page threw: ${errors.join('; ')}`);
  console.log(`ok ${scenario}`);
} catch (error) {
  console.error(`not ok ${scenario}: ${error.stack ?? error}`);
  await page.screenshot({ path: path.join(process.env.TMPDIR ?? '/tmp', `gwf-dashboard-failure-${scenario}.png`) }).catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
}
