// Test helpers: the executor as a real child process, grpc-js clients built from the repository's
// protos, and waits that always end (every wait has a deadline).
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import { loadContract } from '../src/protos.js';

export const contract = loadContract();

const SERVER_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'server.js');

/** How long a test waits for anything the executor should do promptly. */
export const WAIT_MS = 5000;

/**
 * Resolves when `predicate()` holds, re-checking whenever `emitter` emits `event`; rejects after `ms`.
 */
export function until(emitter, event, predicate, ms = WAIT_MS, what = 'condition') {
  return new Promise((resolve, reject) => {
    const check = () => {
      let value;
      try {
        value = predicate();
      } catch (error) {
        cleanup();
        reject(error);
        return;
      }
      if (value) {
        cleanup();
        resolve(value);
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const cleanup = () => {
      clearTimeout(timer);
      emitter.removeListener(event, check);
    };
    emitter.on(event, check);
    check();
  });
}

/**
 * Starts the executor (`src/server.js --port 0 --host 127.0.0.1 ...args`) and waits for its
 * `Now listening on:` line. The process is killed when `scope` ends: a test context, or
 * `{ after }` from node:test for a process shared by every test of a file.
 */
export async function startExecutor(scope, args = [], env = {}) {
  const child = spawn(process.execPath, [SERVER_SCRIPT, '--port', '0', '--host', '127.0.0.1', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const lines = [];
  const events = new EventEmitter();
  let exitCode;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exitCode = code ?? signal;
      events.emit('line');
      resolve(exitCode);
    });
  });
  const collect = (stream) => {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buffer += chunk;
      let index;
      while ((index = buffer.indexOf('\n')) >= 0) {
        lines.push(buffer.slice(0, index));
        buffer = buffer.slice(index + 1);
        events.emit('line');
      }
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  scope.after(() => {
    if (exitCode === undefined) child.kill('SIGKILL');
  });

  const listening = await until(
    events,
    'line',
    () => {
      if (exitCode !== undefined) throw new Error(`executor exited (${exitCode}) before listening:\n${lines.join('\n')}`);
      return lines.map((line) => /^Now listening on: (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line)).find(Boolean);
    },
    10000,
    'the listening line',
  );

  return {
    child,
    lines,
    address: listening[1],
    port: Number(listening[2]),
    exited,
    /** Waits for an output line matching `pattern`, counting only lines from index `from` on. */
    waitForLine: (pattern, from = 0, ms = WAIT_MS) =>
      until(events, 'line', () => lines.slice(from).find((line) => pattern.test(line)), ms, `a line matching ${pattern}`),
    /** Waits until `count` output lines match `pattern`. */
    waitForLines: (pattern, count, ms = WAIT_MS) =>
      until(events, 'line', () => lines.filter((line) => pattern.test(line)).length >= count, ms, `${count} lines matching ${pattern}`),
  };
}

/** A StepExecutorService client for `port`, closed when `scope` (as for startExecutor) ends. */
export function executorClient(scope, port) {
  const client = new contract.StepExecutorService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  scope.after(() => client.close());
  return client;
}

/** Calls a unary method; `call` receives the grpc-js call object (for cancel()). */
export function unary(client, method, request, { deadline, onCall } = {}) {
  return new Promise((resolve, reject) => {
    const options = deadline === undefined ? {} : { deadline };
    const call = client[method](request, options, (error, response) => (error ? reject(error) : resolve(response)));
    onCall?.(call);
  });
}

/** An ExecuteStepRequest for text_stats with the given input (a Struct message) and dependencies. */
export function stepRequest(input, dependencies = {}, extra = {}) {
  return {
    execution_id: 'exec-1',
    workflow_id: 'wf',
    step_id: 'stats',
    step_type: 'text_stats',
    attempt: 1,
    idempotency_key: 'exec-1/stats/1',
    input,
    dependencies,
    ...extra,
  };
}
