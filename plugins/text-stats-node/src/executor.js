// StepExecutorService: ExecuteStep and DescribeExecutor for the text_stats step type.
//
// Error model (see README): failures the caller must not retry are gRPC statuses whose codes the
// orchestrator classifies as non-retryable (INVALID_ARGUMENT for bad input, UNIMPLEMENTED for a
// step type this executor does not serve); RESOURCE_EXHAUSTED beyond the concurrency limit and
// DEADLINE_EXCEEDED are retryable by code. Only an unexpected fault inside the executor is
// reported in-band, as StepError { code: "INTERNAL", retryable: false }.
import grpc from '@grpc/grpc-js';
import { setTimeout as delay } from 'node:timers/promises';
import { fromStruct, toStruct } from './struct.js';
import { STEP_TYPE, INPUT_SCHEMA, InvalidInputError, parseInput, computeTextStats } from './textStats.js';

/** Slack when telling a deadline that passed from a cancellation that came at the same moment. */
const DEADLINE_TOLERANCE_MS = 5;

const DESCRIPTION =
  'Text statistics: characters, words, sentences, lines, average word length, top words without stop words, ' +
  'Flesch reading ease and grade, keyword counts. Reads input.text, or every string of the dependency outputs.';

/**
 * Creates the StepExecutorService implementation.
 * @param {object} options
 * @param {number} options.maxConcurrency calls served at once; more get RESOURCE_EXHAUSTED
 * @param {string} options.name executor name
 * @param {string} options.version executor version
 * @param {Record<string,string>} options.labels executor labels
 * @param {number} [options.simulateLatencyMs] a cancellable wait before each step's work (demos and tests)
 * @param {(level: string, message: string) => void} options.log logger
 * @param {(metadata: object, request: object) => Promise<object | null>} [options.checkCaller] resolves to a gRPC status refusing the call, or null
 */
export function createStepExecutor({ maxConcurrency, name, version, labels, simulateLatencyMs = 0, log, checkCaller }) {
  let inFlight = 0;

  /**
   * Runs one attempt and says how it ended: `{ response }` (an ExecuteStepResponse) or
   * `{ status: { code, details } }` (a gRPC status). Shared by ExecuteStep calls (push) and
   * session attempts (connect). `signal` aborts the work with reason 'cancelled' or 'deadline'.
   */
  async function runAttempt(request, deadline, signal) {
    const step = `step '${request.step_id}' (${request.step_type}) of execution '${request.execution_id}' attempt ${request.attempt}`;
    if (request.step_type !== STEP_TYPE) {
      log('warn', `${step}: step type not served`);
      return { status: { code: grpc.status.UNIMPLEMENTED, details: `Step type '${request.step_type}' is not served by this executor (it serves: ${STEP_TYPE}).` } };
    }

    const started = Date.now();
    if (deadline <= started) {
      log('warn', `${step}: rejected, its deadline had passed when the call arrived`);
      return { status: { code: grpc.status.DEADLINE_EXCEEDED, details: "The step's deadline had passed when the call arrived." } };
    }

    if (inFlight >= maxConcurrency) {
      log('warn', `${step}: rejected, ${inFlight} calls in flight (limit ${maxConcurrency})`);
      return { status: { code: grpc.status.RESOURCE_EXHAUSTED, details: `The executor is at its limit of ${maxConcurrency} calls in flight.` } };
    }

    inFlight += 1;
    const abort = new AbortController();
    const onAbort = () => abort.abort(signal.reason === 'deadline' || Date.now() + DEADLINE_TOLERANCE_MS >= deadline ? 'deadline' : 'cancelled');
    signal.addEventListener('abort', onAbort);
    if (signal.aborted) onAbort();
    const timer = Number.isFinite(deadline) ? setTimeout(() => abort.abort('deadline'), deadline - started) : null;
    log('info', `${step}: started (${inFlight}/${maxConcurrency} in flight)`);
    try {
      const parsed = parseInput(fromStruct(request.input), dependencyOutputs(request.dependencies));
      if (simulateLatencyMs > 0) {
        await delay(simulateLatencyMs, undefined, { signal: abort.signal });
      }
      const output = await computeTextStats(parsed, abort.signal);
      log('info', `${step}: succeeded in ${Date.now() - started} ms (${output.words} words)`);
      return { response: { output: toStruct(output) } };
    } catch (error) {
      if (error instanceof InvalidInputError) {
        log('warn', `${step}: invalid input: ${error.message}`);
        return { status: { code: grpc.status.INVALID_ARGUMENT, details: `Invalid text_stats input: ${error.message}` } };
      } else if (abort.signal.aborted && abort.signal.reason === 'deadline') {
        log('warn', `${step}: deadline exceeded after ${Date.now() - started} ms, work stopped`);
        return { status: { code: grpc.status.DEADLINE_EXCEEDED, details: "The step's deadline passed." } };
      } else if (abort.signal.aborted) {
        log('info', `${step}: cancelled by the caller after ${Date.now() - started} ms, work stopped`);
        return { status: { code: grpc.status.CANCELLED, details: 'The step was cancelled by the caller.' } };
      }
      log('error', `${step}: failed: ${error?.stack ?? error}`);
      return { response: { error: { code: 'INTERNAL', message: `The text_stats executor failed: ${error?.message ?? error}`, retryable: false } } };
    } finally {
      if (timer !== null) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      inFlight -= 1;
    }
  }

  async function executeStep(call, callback) {
    const request = call.request;
    const refused = await checkCaller?.(call.metadata, request);
    if (refused) {
      callback(refused);
      return;
    }
    const deadline = effectiveDeadline(call, request, Date.now());
    const cancelled = new AbortController();
    // grpc-js ends the call itself when its deadline passes and reports that as 'cancelled' too.
    const onCancelled = () => cancelled.abort('cancelled');
    call.on('cancelled', onCancelled);
    try {
      const outcome = await runAttempt(request, deadline, cancelled.signal);
      if (outcome.status) {
        callback(outcome.status);
      } else {
        callback(null, outcome.response);
      }
    } finally {
      call.removeListener('cancelled', onCancelled);
    }
  }

  function describeExecutor(_call, callback) {
    callback(null, {
      name,
      version,
      max_concurrency: maxConcurrency,
      labels,
      step_types: [{ type: STEP_TYPE, description: DESCRIPTION, input_schema: toStruct(INPUT_SCHEMA) }],
    });
  }

  return {
    implementation: { ExecuteStep: executeStep, DescribeExecutor: describeExecutor },
    inFlight: () => inFlight,
    runAttempt,
  };
}

/** When an attempt received at `now` must end: `now` + the request's `timeout`; Infinity when it has none. */
export function requestDeadline(request, now) {
  const timeout = request.timeout;
  if (timeout) {
    const ms = Number(timeout.seconds ?? 0) * 1000 + Math.floor((timeout.nanos ?? 0) / 1e6);
    if (ms > 0) {
      return now + ms;
    }
  }
  return Infinity;
}

/** The earlier of the call's gRPC deadline and the request's own `timeout`; Infinity when neither is set. */
function effectiveDeadline(call, request, now) {
  let deadline = requestDeadline(request, now);
  const callDeadline = call.getDeadline();
  if (callDeadline instanceof Date) {
    deadline = Math.min(deadline, callDeadline.getTime());
  } else if (typeof callDeadline === 'number' && Number.isFinite(callDeadline)) {
    deadline = Math.min(deadline, callDeadline);
  }
  return deadline;
}

function dependencyOutputs(dependencies) {
  const result = {};
  for (const [stepId, struct] of Object.entries(dependencies ?? {})) {
    result[stepId] = fromStruct(struct);
  }
  return result;
}
