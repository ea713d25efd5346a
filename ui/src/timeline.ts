// The timeline (Gantt) of an execution's attempts: per step, the wait between READY and the first
// dispatch (queueing), the time spent waiting for a reachable executor, each attempt as a bar
// coloured by its outcome, and the backoff between attempts.
import type { Json } from './api';

const MAX_ROWS = 300;

/** A wait for a callable executor: an attempt that never reached one, from `since` until one is reached. */
export interface ExecutorWait { since: number; reason: string }

/** The executor waits of each step, from the event stream's `awaitingExecutor` events (one per wait, however often it was re-sent). */
export function executorWaits(events: Json[]): Map<string, ExecutorWait[]> {
  const waits = new Map<string, ExecutorWait[]>();
  for (const e of events) {
    const awaiting = e.awaitingExecutor;
    if (!awaiting?.wait?.since) continue;
    const since = Date.parse(awaiting.wait.since);
    const list = waits.get(awaiting.stepId) ?? [];
    const same = list.find((w) => w.since === since);
    if (same) same.reason = awaiting.wait.reason ?? same.reason;
    else list.push({ since, reason: awaiting.wait.reason ?? '' });
    waits.set(awaiting.stepId, list);
  }
  return waits;
}

export function drawTimeline(container: HTMLElement, steps: Json[], waits: Map<string, ExecutorWait[]> = new Map(), now = Date.now()): void {
  container.replaceChildren();
  const withTimes = steps.filter((s) => s.readyTime || s.startTime).sort((a, b) => Date.parse(a.readyTime ?? a.startTime) - Date.parse(b.readyTime ?? b.startTime));
  if (withTimes.length === 0) {
    container.textContent = 'No step has started yet.';
    return;
  }
  const start = Math.min(...withTimes.map((s) => Date.parse(s.readyTime ?? s.startTime)));
  const end = Math.max(now > start ? Math.min(now, Math.max(...withTimes.map((s) => Date.parse(s.endTime ?? new Date(now).toISOString())))) : start + 1, start + 1);
  const span = end - start;
  const pct = (t: number) => `${(100 * (t - start)) / span}%`;
  const width = (a: number, b: number) => `${Math.max(0.3, (100 * (b - a)) / span)}%`;
  const table = document.createElement('div');
  table.className = 'timeline';
  for (const step of withTimes.slice(0, MAX_ROWS)) {
    const row = document.createElement('div');
    row.className = 'tl-row';
    row.dataset.step = step.stepId;
    const label = document.createElement('span');
    label.className = 'tl-label';
    label.textContent = step.stepId;
    const lane = document.createElement('span');
    lane.className = 'tl-lane';
    const attempts: Json[] = step.attemptHistory ?? [];
    const ready = step.readyTime ? Date.parse(step.readyTime) : undefined;
    const firstStart = attempts[0]?.startTime ? Date.parse(attempts[0].startTime) : step.startTime ? Date.parse(step.startTime) : undefined;
    if (ready !== undefined && firstStart !== undefined && firstStart > ready) lane.appendChild(bar('queued', ready, firstStart, `queued ${firstStart - ready} ms before dispatch`));
    // A wait for an executor ends when an attempt reaches one (undelivered attempts are not in the history),
    // or is still going on (the step's executorWait), or ended with the step (it gave up at its deadline).
    const stepWaits = [...(waits.get(step.stepId) ?? [])];
    const current = step.executorWait?.since ? Date.parse(step.executorWait.since) : undefined;
    if (current !== undefined && !stepWaits.some((w) => w.since === current)) stepWaits.push({ since: current, reason: step.executorWait.reason ?? '' });
    for (const w of stepWaits) {
      const reached = attempts.map((a) => Date.parse(a.startTime)).find((t) => t >= w.since);
      const until = reached ?? (w.since === current || !step.endTime ? now : Date.parse(step.endTime));
      lane.appendChild(bar('awaiting', w.since, Math.max(until, w.since), `waiting for an executor ${until - w.since} ms: ${w.reason}`));
    }
    attempts.forEach((a, i) => {
      const s = Date.parse(a.startTime);
      const e = a.endTime ? Date.parse(a.endTime) : now;
      const outcome = a.error ? 'failed' : a.endTime ? 'succeeded' : 'running';
      lane.appendChild(bar(`attempt ${outcome}`, s, e, `attempt ${a.attempt} on ${a.endpoint || '?'}: ${e - s} ms${a.error ? ' — ' + a.error.code + ': ' + a.error.message : ''}`));
      const next = attempts[i + 1];
      if (next?.startTime && a.endTime) lane.appendChild(bar('backoff', Date.parse(a.endTime), Date.parse(next.startTime), `backoff ${Date.parse(next.startTime) - Date.parse(a.endTime)} ms`));
    });
    if (step.nextAttemptTime && step.state === 'STEP_STATE_RETRY_WAIT') {
      const last = attempts.at(-1)?.endTime;
      if (last) lane.appendChild(bar('backoff', Date.parse(last), Math.min(end, Date.parse(step.nextAttemptTime)), 'waiting to retry'));
    }
    row.append(label, lane);
    table.appendChild(row);
  }
  if (withTimes.length > MAX_ROWS) {
    const note = document.createElement('p');
    note.className = 'note';
    note.textContent = `First ${MAX_ROWS} of ${withTimes.length} steps, by start time.`;
    table.appendChild(note);
  }
  container.appendChild(table);

  function bar(kind: string, from: number, to: number, title: string): HTMLElement {
    const b = document.createElement('span');
    b.className = `tl-bar ${kind}`;
    b.style.left = pct(from);
    b.style.width = width(from, to);
    b.title = title;
    return b;
  }
}
