// The orchestrator's HTTP/JSON API (gRPC JSON transcoding of WorkflowService; docs/http-api.md).
// Field names are the protobuf JSON names (lowerCamelCase), enums their full names.

const KEY = 'gwf.apiKey';

export type Json = Record<string, any>;

export class ApiError extends Error {
  constructor(public status: number, message: string) {
    super(message);
  }
}

export function apiKey(): string {
  return localStorage.getItem(KEY) ?? '';
}

export function setApiKey(value: string): void {
  if (value) localStorage.setItem(KEY, value);
  else localStorage.removeItem(KEY);
}

function headers(json: boolean): HeadersInit {
  const h: Record<string, string> = {};
  const key = apiKey();
  if (key) h['x-api-key'] = key;
  if (json) h['content-type'] = 'application/json';
  return h;
}

async function answer(response: Response): Promise<Json> {
  const text = await response.text();
  const body = text ? JSON.parse(text) : {};
  if (!response.ok) throw new ApiError(response.status, body.message ?? `${response.status} ${response.statusText}`);
  return body;
}

export async function get(path: string, signal?: AbortSignal): Promise<Json> {
  return answer(await fetch(path, { headers: headers(false), signal }));
}

export async function post(path: string, body: unknown): Promise<Json> {
  return answer(await fetch(path, { method: 'POST', headers: headers(true), body: JSON.stringify(body) }));
}

export interface Session {
  authEnabled: boolean;
  authenticated: boolean;
  name: string;
  roles: string[];
}

export async function session(): Promise<Session> {
  return (await get('/ui/api/session')) as Session;
}

/**
 * Follows an execution's event stream (WatchExecution, server-streamed JSON messages one after another)
 * from `fromSequence`, calling `onEvent` for each, until the execution ends, the signal aborts, or the
 * connection breaks (then the promise rejects; the caller resumes from the last sequence plus one).
 */
export async function watch(id: string, fromSequence: number, onEvent: (event: Json) => void, signal: AbortSignal): Promise<void> {
  const response = await fetch(`/v1/executions/${encodeURIComponent(id)}/events?fromSequence=${fromSequence}`, { headers: headers(false), signal });
  if (!response.ok || !response.body) {
    await answer(response);
    return;
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  // One JSON message per line (a message never contains a raw newline: JSON escapes it).
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim()) {
        const message = JSON.parse(line);
        onEvent(message.event ?? message);
      }
    }
  }
  if (buffer.trim()) {
    const message = JSON.parse(buffer);
    onEvent(message.event ?? message);
  }
}

export const executionStates = ['EXECUTION_STATE_PENDING', 'EXECUTION_STATE_RUNNING', 'EXECUTION_STATE_SUCCEEDED', 'EXECUTION_STATE_FAILED', 'EXECUTION_STATE_CANCELLED'];

/** `EXECUTION_STATE_RUNNING` → `running`. */
export function shortState(state: string | undefined): string {
  return (state ?? 'UNSPECIFIED').replace(/^(EXECUTION|STEP)_STATE_/, '').toLowerCase();
}

/** A protobuf JSON duration ("1.5s") or the span between two timestamps, in milliseconds. */
export function millis(from?: string, to?: string): number | undefined {
  if (!from) return undefined;
  const end = to ? Date.parse(to) : Date.now();
  return end - Date.parse(from);
}

export function seconds(duration?: string): number {
  return duration ? parseFloat(duration) : 0;
}

export function formatMillis(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatTime(ts?: string): string {
  return ts ? new Date(ts).toLocaleString() : '';
}
