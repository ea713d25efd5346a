// Connect mode: the executor opens a session to the orchestrator (ExecutorRegistryService.Connect,
// a grpc-js duplex stream) and receives its attempts on it; no inbound connection is needed.
// It grants one credit per free slot, answers each attempt with a result that returns the credit,
// stops attempts the orchestrator cancels, sends heartbeats, reconnects with exponential backoff
// and jitter when the session ends, and drains on stop (tells the orchestrator, takes nothing new,
// lets the attempts in flight answer).
import grpc from '@grpc/grpc-js';
import { setTimeout as delay } from 'node:timers/promises';
import { orchestratorTarget, REGISTRATION_RETRY_INITIAL_MS, REGISTRATION_RETRY_MAX_MS, DEFAULT_HEARTBEAT_INTERVAL_MS } from './registration.js';
import { requestDeadline } from './executor.js';

/** The least time a drained session waits for the orchestrator to end the call before cancelling it. */
const END_WAIT_MS = 2000;

/**
 * Starts the session loop in the background.
 * @param {object} options
 * @param {any} options.contract the loaded `grpcworkflows.v1` package
 * @param {string} options.orchestrator the orchestrator's address
 * @param {string} [options.apiKey] sent as `x-api-key` when set
 * @param {object} options.registration the SessionRegistration (without credits)
 * @param {(request: object, deadline: number, signal: AbortSignal) => Promise<object>} options.runAttempt runs one attempt
 * @param {(level: string, message: string) => void} options.log logger
 * @param {{ accept: (key: object | null) => void, check: (token: string, request: object) => Promise<object | null> }} [options.callerTokens] checks each attempt's caller token
 * @returns {{ stop: (graceMs: number) => Promise<void>, inFlight: () => number }}
 */
export function startSession({ contract, orchestrator, apiKey, registration, runAttempt, log, callerTokens }) {
  const { target, credentials } = orchestratorTarget(orchestrator);
  const client = new contract.ExecutorRegistryService(target, credentials, {
    'grpc.initial_reconnect_backoff_ms': REGISTRATION_RETRY_INITIAL_MS,
    'grpc.max_reconnect_backoff_ms': REGISTRATION_RETRY_MAX_MS,
    // A dead orchestrator or a cut network ends the session instead of leaving it hanging.
    'grpc.keepalive_time_ms': 15000,
    'grpc.keepalive_timeout_ms': 10000,
    'grpc.keepalive_permit_without_calls': 1,
  });
  const stopping = new AbortController();
  let current = null;

  function connectOnce() {
    return new Promise((resolve) => {
      const metadata = new grpc.Metadata();
      if (apiKey) metadata.set('x-api-key', apiKey);
      const call = client.Connect(metadata);
      const session = { call, running: new Map(), draining: false, registered: false, done: false, heartbeat: null, idle: null };
      current = session;
      const finish = (reason) => {
        if (session.done) return;
        session.done = true;
        clearInterval(session.heartbeat);
        // Results can no longer be delivered: the orchestrator sends these attempts elsewhere.
        for (const abort of session.running.values()) abort.abort('cancelled');
        if (current === session) current = null;
        session.idle?.();
        resolve({ reason, registered: session.registered });
      };
      call.on('data', (message) => {
        switch (message.kind) {
          case 'registered': {
            session.registered = true;
            callerTokens?.accept(message.registered.caller_token_key);
            const interval = durationMs(message.registered.heartbeat_interval) || DEFAULT_HEARTBEAT_INTERVAL_MS;
            log('info', `connected to ${orchestrator} as '${message.registered.executor_id}' (types ${registration.step_types.join(',')}, ${registration.max_concurrency} credits)`);
            session.heartbeat = setInterval(() => write(session, { heartbeat: { running_dispatch_ids: [...session.running.keys()] } }), interval);
            break;
          }
          case 'attempt':
            void run(session, message.attempt);
            break;
          case 'cancel':
            session.running.get(String(message.cancel.dispatch_id))?.abort('cancelled');
            break;
          case 'drain':
            log('info', `the orchestrator drains (${message.drain.reason}): finishing ${session.running.size} attempts, then connecting again`);
            session.draining = true;
            endIfIdle(session);
            break;
          default:
            break;
        }
      });
      call.on('error', (error) => finish(describe(error)));
      call.on('end', () => finish('the orchestrator ended the session'));
      write(session, { registration: { ...registration, credits: registration.max_concurrency } });
    });
  }

  // Nothing is written once this side has ended: a write after `end()` (a heartbeat tick, say) fails the
  // call with ERR_STREAM_WRITE_AFTER_END, which cancels it and loses the results still on their way out.
  function write(session, message) {
    if (!session.done && !session.ended) session.call.write(message);
  }

  async function run(session, attempt) {
    const id = String(attempt.dispatch_id);
    const abort = new AbortController();
    session.running.set(id, abort);
    let outcome;
    try {
      const refused = await callerTokens?.check(attempt.caller_token, attempt.request);
      outcome = refused ? { status: refused } : await runAttempt(attempt.request, requestDeadline(attempt.request, Date.now()), abort.signal);
    } catch (error) {
      outcome = { response: { error: { code: 'INTERNAL', message: `The executor failed: ${error?.message ?? error}`, retryable: true } } };
    } finally {
      session.running.delete(id);
    }
    const result = { dispatch_id: id, credits: session.draining || stopping.signal.aborted ? 0 : 1 };
    if (outcome.status) {
      result.status_code = outcome.status.code;
      result.status_message = outcome.status.details ?? '';
    } else {
      result.response = outcome.response;
    }
    write(session, { result });
    endIfIdle(session);
  }

  function endIfIdle(session) {
    if (session.draining && session.running.size === 0 && !session.ended) {
      session.ended = true;
      clearInterval(session.heartbeat);
      session.idle?.();
      if (!session.done) session.call.end();
    }
  }

  const loop = (async () => {
    let wait = REGISTRATION_RETRY_INITIAL_MS;
    while (!stopping.signal.aborted) {
      const { reason, registered } = await connectOnce();
      if (stopping.signal.aborted) break;
      if (registered) wait = REGISTRATION_RETRY_INITIAL_MS;
      // Jitter over the upper half: replicas that lost the same orchestrator do not return in lockstep.
      const jittered = Math.round(wait * (0.5 + Math.random() / 2));
      log('warn', `session with ${orchestrator} ended (${reason}); connecting again in ${jittered} ms`);
      await delay(jittered, undefined, { signal: stopping.signal });
      wait = Math.min(wait * 2, REGISTRATION_RETRY_MAX_MS);
    }
  })().catch((error) => {
    if (!stopping.signal.aborted) log('error', `session loop ended: ${describe(error)}`);
  });

  /** Drains: tells the orchestrator, takes nothing new, waits up to `graceMs` for the attempts in flight. */
  async function stop(graceMs) {
    stopping.abort();
    const session = current;
    if (session && !session.done) {
      session.draining = true;
      write(session, { drain: { reason: 'the executor is shutting down' } });
      if (session.running.size > 0) {
        await Promise.race([new Promise((resolve) => (session.idle = resolve)), delay(graceMs)]);
      }
      endIfIdle(session);
      // The orchestrator ends the call once it has every result (cancelling earlier could drop the
      // last results still in flight on the wire); past the grace period, stop waiting.
      await Promise.race([loop, delay(Math.max(END_WAIT_MS, graceMs))]);
      if (!session.done) session.call.cancel();
    }
    await loop;
    client.close();
  }

  return { stop, inFlight: () => current?.running.size ?? 0 };
}

function durationMs(duration) {
  if (!duration) return 0;
  return Number(duration.seconds ?? 0) * 1000 + Math.floor((duration.nanos ?? 0) / 1e6);
}

function describe(error) {
  return error?.code !== undefined ? `${grpc.status[error.code] ?? error.code}: ${error.details ?? error.message}` : String(error?.message ?? error);
}
