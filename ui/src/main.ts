// The GrpcWorkflows dashboard: executions, one execution (live DAG, timeline, step panel, events),
// executors and validation, over the orchestrator's JSON API. Hash routes: #/executions,
// #/executions/{id}, #/executors, #/validate.
import './style.css';
import { ApiError, Json, apiKey, executionStates, formatMillis, formatTime, get, millis, post, session, setApiKey, shortState, watch, type Session } from './api';
import { DETAILED_LIMIT, DagView, type GraphStep } from './graph';
import { drawTimeline, executorWaits } from './timeline';

const page = document.getElementById('page')!;
let me: Session = { authEnabled: false, authenticated: true, name: '', roles: [] };
let leave: (() => void) | undefined;

const canOperate = () => me.roles.includes('operator') || me.roles.includes('admin');

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') el.className = v;
    else el.setAttribute(k, v);
  }
  el.append(...children);
  return el;
}

function badge(state: string | undefined): HTMLElement {
  const s = shortState(state);
  return h('span', { class: 'badge', 'data-state': s }, s);
}

function showError(where: HTMLElement, error: unknown): void {
  const message = error instanceof ApiError && error.status === 401
    ? 'This orchestrator needs a credential: enter an API key above.'
    : error instanceof Error ? error.message : String(error);
  where.replaceChildren(h('p', { class: 'error', role: 'alert' }, message));
}

async function refreshSession(): Promise<void> {
  try {
    me = await session();
  } catch {
    me = { authEnabled: true, authenticated: false, name: '', roles: [] };
  }
  const who = document.getElementById('who')!;
  who.textContent = !me.authEnabled ? 'no authentication' : me.authenticated ? `${me.name} (${me.roles.join(', ') || 'no role'})` : 'not signed in';
  (document.getElementById('api-key') as HTMLInputElement).hidden = !me.authEnabled;
  (document.querySelector('#credential button') as HTMLElement).hidden = !me.authEnabled;
}

// ---- Executions ---------------------------------------------------------------------------------

function executionsPage(): () => void {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const counts = h('div', { class: 'counts', 'aria-label': 'executions by state' });
  const state = h('select', { name: 'state' }, h('option', { value: '' }, 'any state'), ...executionStates.map((s) => h('option', { value: s }, shortState(s))));
  const workflow = h('input', { name: 'workflow', placeholder: 'workflow id' });
  const label = h('input', { name: 'label', placeholder: 'labels key=value, key=value' });
  const search = h('input', { name: 'search', placeholder: 'execution id or its start', type: 'search' });
  state.value = params.get('state') ?? '';
  workflow.value = params.get('workflow') ?? '';
  label.value = params.get('label') ?? '';
  const filters = h('form', { class: 'filters' }, state, workflow, label, search, h('button', { type: 'submit' }, 'Filter'));
  const body = h('tbody');
  const table = h('table', { class: 'executions' }, h('thead', {}, h('tr', {}, ...['Execution', 'Workflow', 'State', 'Steps', 'Labels', 'Created', 'Duration'].map((t) => h('th', {}, t)))), body);
  const pager = h('div', { class: 'pager' });
  const status = h('div');
  page.replaceChildren(h('h1', {}, 'Executions'), counts, filters, status, table, pager);

  const tokens: string[] = [''];
  let pageIndex = 0;
  let stopped = false;
  let timer = 0;

  // Every filter runs on the server (POST /v1/executions:search: labels need a JSON body), so paging and
  // the counts see every execution that matches, not only the loaded page.
  const labelFilter = (): Record<string, string> => Object.fromEntries(label.value.split(',')
    .map((pair) => pair.split('=').map((x) => x.trim()))
    .filter(([k]) => k)
    .map(([k, v]) => [k, v ?? '']));
  const query = (token: string, size: number, onlyState?: string) => {
    const st = onlyState ?? state.value;
    return {
      pageSize: size,
      pageToken: token,
      states: st ? [st] : [],
      workflowId: workflow.value.trim(),
      labels: labelFilter(),
      executionIdPrefix: search.value.trim(),
    };
  };
  const list = (token: string, size: number, onlyState?: string) => post('/v1/executions:search', query(token, size, onlyState));

  async function load(): Promise<void> {
    try {
      const prefix = search.value.trim();
      const listed = await list(tokens[pageIndex], 50);
      const rows: Json[] = listed.executions ?? [];
      if (stopped) return;
      status.replaceChildren();
      body.replaceChildren(...rows.map((e) => h('tr', { 'data-execution': e.executionId },
        h('td', {}, h('a', { href: `#/executions/${e.executionId}` }, e.executionId)),
        h('td', {}, e.workflowId ?? ''),
        h('td', {}, badge(e.state)),
        h('td', {}, `${e.succeededStepCount ?? 0}/${e.stepCount ?? 0}`),
        h('td', { class: 'labels' }, ...Object.entries(e.labels ?? {}).map(([k, v]) => h('span', { class: 'label' }, `${k}=${v}`))),
        h('td', {}, formatTime(e.createTime)),
        h('td', {}, formatMillis(millis(e.createTime, e.endTime))))));
      if (rows.length === 0) body.replaceChildren(h('tr', {}, h('td', { colspan: '7', class: 'note' }, prefix ? `No execution id starts with ${prefix}.` : 'No executions match.')));
      tokens[pageIndex + 1] = listed.nextPageToken ?? '';
      const prev = h('button', { type: 'button' }, '← Newer');
      const next = h('button', { type: 'button' }, 'Older →');
      (prev as HTMLButtonElement).disabled = pageIndex === 0;
      (next as HTMLButtonElement).disabled = !listed.nextPageToken;
      prev.addEventListener('click', () => { pageIndex--; void load(); });
      next.addEventListener('click', () => { pageIndex++; void load(); });
      pager.replaceChildren(prev, h('span', {}, `page ${pageIndex + 1}`), next);
    } catch (error) {
      if (!stopped) showError(status, error);
    }
  }

  async function loadCounts(): Promise<void> {
    const parts = await Promise.all(executionStates.map(async (s) => {
      try {
        const n = (await list('', 1000, s)).executions?.length ?? 0;
        return h('span', { class: 'count', 'data-state': shortState(s) }, h('b', {}, n >= 1000 ? '1000+' : String(n)), ` ${shortState(s)}`);
      } catch {
        return h('span');
      }
    }));
    if (!stopped) counts.replaceChildren(...parts);
  }

  async function tick(): Promise<void> {
    await Promise.all([load(), loadCounts()]);
    if (!stopped) timer = window.setTimeout(tick, 2000);
  }

  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    tokens.length = 1;
    pageIndex = 0;
    void load();
    void loadCounts();
  });
  void tick();
  return () => { stopped = true; clearTimeout(timer); };
}

// ---- One execution ----------------------------------------------------------------------------

const TERMINAL = ['EXECUTION_STATE_SUCCEEDED', 'EXECUTION_STATE_FAILED', 'EXECUTION_STATE_CANCELLED'];

const STEP_STATE_BY_EVENT: Record<string, (e: Json) => [string, string] | undefined> = {
  stepReady: (e) => [e.stepReady.stepId, 'ready'],
  awaitingExecutor: (e) => [e.awaitingExecutor.stepId, 'ready'],
  attemptStarted: (e) => [e.attemptStarted.stepId, 'running'],
  attemptFailed: (e) => (e.attemptFailed.willRetry ? [e.attemptFailed.stepId, 'retry_wait'] : undefined),
  stepSucceeded: (e) => [e.stepSucceeded.stepId, 'succeeded'],
  stepFailed: (e) => [e.stepFailed.stepId, 'failed'],
  stepSkipped: (e) => [e.stepSkipped.stepId, 'skipped'],
  stepCancelled: (e) => [e.stepCancelled.stepId, 'cancelled'],
};

function executionPage(id: string): () => void {
  const abort = new AbortController();
  const title = h('h1', {}, 'Execution ', h('code', {}, id));
  const facts = h('div', { class: 'facts' });
  const actions = h('div', { class: 'actions' });
  const graph = h('div', { class: 'graph', 'aria-label': 'workflow graph' });
  const panel = h('aside', { class: 'panel' }, h('p', { class: 'note' }, 'Select a step to see its input, output, error and attempts.'));
  const timeline = h('div', { class: 'timeline-box' });
  const eventsList = h('pre', { class: 'events' });
  const rawEvents = h('details', { class: 'raw' }, h('summary', {}, 'Raw events (', h('span', { class: 'event-count' }, '0'), ')'), eventsList);
  const status = h('div');
  page.replaceChildren(title, status, facts, actions, h('div', { class: 'split' }, graph, panel), h('h2', {}, 'Timeline'), timeline, rawEvents);

  let execution: Json | undefined;
  let dag: DagView | undefined;
  let selected: string | undefined;
  let critical = false;
  let lastSequence = 0;
  const events: Json[] = [];
  let refreshTimer = 0;
  let finished = false;

  const renderFacts = () => {
    if (!execution) return;
    const f = execution.figures ?? {};
    const labels = Object.entries(execution.labels ?? {}).map(([k, v]) => h('span', { class: 'label' }, `${k}=${v}`));
    facts.replaceChildren(
      h('span', {}, badge(execution.state)),
      h('span', {}, 'workflow ', h('b', {}, execution.workflowId ?? '')),
      h('span', {}, 'created ', formatTime(execution.createTime)),
      h('span', {}, 'duration ', formatMillis(millis(execution.startTime ?? execution.createTime, execution.endTime))),
      h('span', {}, `${f.attemptCount ?? 0} attempts, ${f.retryCount ?? 0} retries`),
      ...labels);
    if (execution.error) facts.appendChild(h('span', { class: 'error' }, `${execution.error.code}: ${execution.error.message}`));
    if (execution.flowWait) facts.appendChild(h('span', { class: 'note' }, `queued: ${execution.flowWait.reason}`));
    const buttons: HTMLElement[] = [];
    const toggle = h('button', { type: 'button', 'aria-pressed': String(critical) }, critical ? 'Hide critical path' : 'Highlight critical path');
    toggle.addEventListener('click', () => { critical = !critical; dag?.highlight(critical ? f.criticalPath ?? [] : []); renderFacts(); });
    buttons.push(toggle);
    if (canOperate()) {
      const terminal = TERMINAL.includes(execution.state);
      if (!terminal) {
        const cancel = h('button', { type: 'button', class: 'danger' }, 'Cancel');
        cancel.addEventListener('click', async () => {
          if (!confirm(`Cancel execution ${id}?`)) return;
          try { await post(`/v1/executions/${id}:cancel`, { reason: 'cancelled from the dashboard' }); } catch (error) { showError(status, error); }
        });
        buttons.push(cancel);
      }
      if (execution.state === 'EXECUTION_STATE_FAILED' || execution.state === 'EXECUTION_STATE_CANCELLED') {
        const retry = h('button', { type: 'button' }, 'Retry');
        retry.addEventListener('click', async () => {
          try { await post(`/v1/executions/${id}:retry`, {}); finished = false; void follow(); } catch (error) { showError(status, error); }
        });
        buttons.push(retry);
      }
    }
    actions.replaceChildren(...buttons);
  };

  const renderPanel = () => {
    if (!selected || !execution) return;
    const step = (execution.steps ?? []).find((s: Json) => s.stepId === selected);
    if (!step) return;
    const definition = execution.definition?.steps?.[selected] ?? {};
    const json = (v: unknown) => h('pre', {}, v === undefined ? '—' : JSON.stringify(v, null, 2));
    const attempts = (step.attemptHistory ?? []).map((a: Json) => h('tr', {},
      h('td', {}, String(a.attempt)), h('td', {}, a.endpoint ?? ''), h('td', {}, formatTime(a.startTime)),
      h('td', {}, formatMillis(millis(a.startTime, a.endTime))), h('td', { class: a.error ? 'error' : '' }, a.error ? `${a.error.code}: ${a.error.message}` : a.endTime ? 'ok' : 'running')));
    panel.replaceChildren(
      h('h2', {}, step.stepId, ' ', badge(step.state)),
      h('p', {}, `type ${step.type} · ${step.attempts ?? 0} attempt(s) · waited ${formatMillis(millis(step.readyTime, step.startTime)) || '—'} · ran ${formatMillis(millis(step.startTime, step.endTime)) || '—'}`),
      ...(step.error ? [h('p', { class: 'error step-error' }, `${step.error.code}: ${step.error.message}`)] : []),
      ...(step.reason ? [h('p', { class: 'note' }, step.reason)] : []),
      ...(step.executorWait ? [h('p', { class: 'note awaiting' }, `Waiting for an executor since ${formatTime(step.executorWait.since)} (gives up at ${formatTime(step.executorWait.deadline)}): ${step.executorWait.reason}`)] : []),
      h('h3', {}, 'Attempts'),
      h('table', { class: 'attempts' }, h('thead', {}, h('tr', {}, ...['#', 'Endpoint', 'Started', 'Took', 'Result'].map((t) => h('th', {}, t)))), h('tbody', {}, ...attempts)),
      h('h3', {}, 'Input'), json(definition.input),
      h('h3', {}, 'Output'), json(step.output));
  };

  const select = (stepId: string) => {
    selected = stepId;
    if (dag && !dag.detailed && !execution?.definition) void refresh(true);
    renderPanel();
  };

  async function refresh(full: boolean): Promise<void> {
    try {
      const view = full ? 'EXECUTION_VIEW_FULL' : 'EXECUTION_VIEW_SUMMARY';
      execution = (await get(`/v1/executions/${encodeURIComponent(id)}?view=${view}`, abort.signal)).execution;
      if (!execution) return;
      const steps: Json[] = execution.steps ?? [];
      if (!dag) {
        const graphSteps: GraphStep[] = steps.map((s) => ({ id: s.stepId, type: s.type, dependsOn: s.dependsOn ?? [], state: shortState(s.state) }));
        dag = new DagView(graph, graphSteps, select);
        graph.dataset.ready = 'true';
      } else if (finished) {
        // While the stream runs it is the truth: a snapshot fetched meanwhile may be older than events already shown.
        for (const s of steps) dag.setState(s.stepId, shortState(s.state));
      }
      renderFacts();
      renderPanel();
      // A slow request sent before the end may answer after it: fetch again rather than show an old state.
      if (finished && !TERMINAL.includes(execution.state)) window.setTimeout(() => void refresh(full), 300);
      if (steps.length <= DETAILED_LIMIT || full) drawTimeline(timeline, steps, executorWaits(events));
      else timeline.replaceChildren(h('p', { class: 'note' }, `The timeline shows executions of up to ${DETAILED_LIMIT} steps; select a step for its attempts.`));
    } catch (error) {
      if (!abort.signal.aborted) showError(status, error);
    }
  }

  const scheduleRefresh = () => {
    if (refreshTimer || !dag || !dag.detailed) return;
    refreshTimer = window.setTimeout(() => { refreshTimer = 0; void refresh(true); }, 500);
  };

  const renderEvents = () => {
    (rawEvents.querySelector('.event-count') as HTMLElement).textContent = String(events.length);
    if (rawEvents.open) eventsList.textContent = events.slice(-300).map((e) => JSON.stringify(e)).join('\n');
  };
  rawEvents.addEventListener('toggle', renderEvents);

  async function follow(): Promise<void> {
    for (let failures = 0; !abort.signal.aborted && !finished && failures < 30;) {
      const before = lastSequence;
      try {
        await watch(id, lastSequence + 1, (e) => {
          lastSequence = Math.max(lastSequence, Number(e.sequence ?? 0));
          events.push(e);
          const kind = Object.keys(e).find((k) => k in STEP_STATE_BY_EVENT || k === 'finished' || k === 'retried');
          const change = kind && STEP_STATE_BY_EVENT[kind]?.(e);
          if (change) dag?.setState(change[0], change[1]);
          if (kind === 'retried') for (const stepId of e.retried.stepIds ?? []) dag?.setState(stepId, 'waiting');
          // Large graphs fetch the summary only, unless a step's panel (outputs, attempts) is open.
          const full = (dag?.detailed ?? true) || selected !== undefined;
          if (kind === 'finished') { finished = true; void refresh(full); }
          else if (kind === 'retried') void refresh(full);
          else scheduleRefresh();
          if (events.length % 50 === 0 || kind === 'finished') renderEvents();
        }, abort.signal);
        renderEvents();
        if (execution && TERMINAL.includes(execution.state)) finished = true;
        if (!finished) await new Promise((r) => setTimeout(r, 500));
      } catch (error) {
        if (abort.signal.aborted) return;
        if (error instanceof ApiError) { showError(status, error); return; }
        await new Promise((r) => setTimeout(r, 1000));
      }
      failures = lastSequence > before ? 0 : failures + 1;
    }
  }

  void (async () => {
    await refresh(false);
    if (dag?.detailed) await refresh(true);
    await follow();
  })();
  return () => { abort.abort(); clearTimeout(refreshTimer); };
}

// ---- Executors --------------------------------------------------------------------------------

function executorsPage(): () => void {
  const body = h('tbody');
  const status = h('div');
  page.replaceChildren(h('h1', {}, 'Executors'), status,
    h('table', { class: 'executors' }, h('thead', {}, h('tr', {}, ...['Name', 'Endpoint', 'Step types', 'Capacity', 'In flight', 'Health', 'Circuit', 'Source', 'Lease until'].map((t) => h('th', {}, t)))), body));
  let stopped = false;
  let timer = 0;
  const load = async () => {
    try {
      const executors: Json[] = (await get('/v1/executors')).executors ?? [];
      if (stopped) return;
      status.replaceChildren();
      body.replaceChildren(...executors.map((e) => h('tr', { 'data-endpoint': e.endpoint },
        h('td', {}, `${e.name ?? ''} ${e.version ?? ''}`), h('td', {}, h('code', {}, e.endpoint)), h('td', {}, (e.stepTypes ?? []).join(', ')),
        h('td', {}, String(e.maxConcurrency ?? 0)), h('td', {}, String(e.inFlight ?? 0)),
        h('td', {}, badge((e.health ?? '').replace('EXECUTOR_HEALTH_', ''))), h('td', {}, (e.circuitState ?? '').replace('CIRCUIT_STATE_', '').toLowerCase()),
        h('td', {}, (e.source ?? '').replace('EXECUTOR_SOURCE_', '').toLowerCase()), h('td', {}, formatTime(e.leaseExpireTime)))));
      if (executors.length === 0) body.replaceChildren(h('tr', {}, h('td', { colspan: '9', class: 'note' }, 'No executor is registered.')));
    } catch (error) {
      if (!stopped) showError(status, error);
    }
    if (!stopped) timer = window.setTimeout(load, 2000);
  };
  void load();
  return () => { stopped = true; clearTimeout(timer); };
}

// ---- Validate ---------------------------------------------------------------------------------

const SAMPLE = JSON.stringify({ id: 'example', steps: { fetch: { type: 'input', input: { data: [1, 2, 3] } }, double: { type: 'process', depends_on: ['fetch'] }, save: { type: 'output', depends_on: ['double'] } } }, null, 2);

function validatePage(): () => void {
  const text = h('textarea', { rows: '18', spellcheck: 'false', 'aria-label': 'workflow definition (JSON)' });
  text.value = sessionStorage.getItem('gwf.validate') ?? SAMPLE;
  const run = h('button', { type: 'submit' }, 'Validate');
  const result = h('div', { class: 'validation' });
  const graph = h('div', { class: 'graph' });
  const form = h('form', {}, text, run);
  page.replaceChildren(h('h1', {}, 'Validate a definition'), h('p', { class: 'note' }, 'Paste a workflow definition (JSON, the format of examples/): the orchestrator makes the checks of a submission and runs nothing.'), form, result, graph);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    sessionStorage.setItem('gwf.validate', text.value);
    graph.replaceChildren();
    let definition: Json;
    try {
      definition = JSON.parse(text.value);
    } catch (error) {
      result.replaceChildren(h('p', { class: 'error' }, `Not JSON: ${(error as Error).message}`));
      return;
    }
    try {
      const answer = await post('/v1/workflows:validate', { definition });
      if (!answer.valid) {
        result.replaceChildren(h('p', { class: 'error' }, `${answer.problems.length} problem(s)`),
          h('table', { class: 'problems' }, h('thead', {}, h('tr', {}, h('th', {}, 'Field'), h('th', {}, 'Problem'))),
            h('tbody', {}, ...answer.problems.map((p: Json) => h('tr', {}, h('td', {}, h('code', {}, p.field)), h('td', {}, p.description))))));
        return;
      }
      const plan = answer.plan;
      result.replaceChildren(h('p', { class: 'ok' }, `Valid: ${plan.stepCount} steps, ${plan.edgeCount} edges, ${plan.levels.length} levels, at most ${plan.maxWidth} at once.`),
        h('p', {}, 'Critical path: ', h('code', {}, (plan.criticalPath ?? []).join(' → '))),
        h('ol', { class: 'plan-levels' }, ...plan.levels.slice(0, 50).map((l: Json) => h('li', {}, (l.stepIds ?? []).slice(0, 30).join(', ') + ((l.stepIds?.length ?? 0) > 30 ? ` … (${l.stepIds.length})` : '')))));
      const steps: GraphStep[] = Object.entries(definition.steps ?? {}).map(([sid, s]: [string, any]) => ({ id: sid, type: s.type ?? '', dependsOn: s.depends_on ?? s.dependsOn ?? [], state: 'planned' }));
      new DagView(graph, steps, () => {}).highlight(plan.criticalPath ?? []);
    } catch (error) {
      showError(result, error);
    }
  });
  return () => {};
}

// ---- Router -----------------------------------------------------------------------------------

function route(): void {
  leave?.();
  const path = location.hash.replace(/^#/, '').split('?')[0] || '/executions';
  const parts = path.split('/').filter(Boolean);
  document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('active', (a as HTMLElement).dataset.nav === parts[0]));
  if (parts[0] === 'executions' && parts[1]) leave = executionPage(decodeURIComponent(parts[1]));
  else if (parts[0] === 'executors') leave = executorsPage();
  else if (parts[0] === 'validate') leave = validatePage();
  else leave = executionsPage();
}

document.getElementById('credential')!.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const input = document.getElementById('api-key') as HTMLInputElement;
  setApiKey(input.value.trim());
  input.value = '';
  await refreshSession();
  route();
});
(document.getElementById('api-key') as HTMLInputElement).placeholder = apiKey() ? 'API key saved (replace)' : 'API key (x-api-key)';
window.addEventListener('hashchange', route);
void refreshSession().then(route);
