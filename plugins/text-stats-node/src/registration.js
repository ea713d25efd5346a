// Self-registration with the orchestrator's ExecutorRegistryService: register (retrying with
// exponential backoff until the orchestrator answers), heartbeat at the interval it returns,
// register again when a heartbeat answers NOT_FOUND (the lease expired), deregister on stop.
import grpc from '@grpc/grpc-js';
import { setTimeout as delay } from 'node:timers/promises';

/** First wait after a failed RegisterExecutor. */
export const REGISTRATION_RETRY_INITIAL_MS = 200;
/** Longest wait between two RegisterExecutor attempts. */
export const REGISTRATION_RETRY_MAX_MS = 5000;
/** Heartbeat interval used when the orchestrator does not give one. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10000;
/** Time limit of one RegisterExecutor or DeregisterExecutor call. */
export const CALL_TIMEOUT_MS = 5000;

/**
 * Turns an orchestrator address (`http://host:port`, `https://host:port` or `host:port`) into a
 * grpc-js target and channel credentials.
 */
export function orchestratorTarget(address) {
  const url = new URL(address.includes('://') ? address : `http://${address}`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`--orchestrator must be an http:// or https:// address, got '${address}'`);
  }
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const credentials = url.protocol === 'https:' ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
  return { target: `${url.hostname}:${port}`, credentials };
}

/**
 * Starts the registration loop in the background.
 * @param {object} options
 * @param {any} options.contract the loaded `grpcworkflows.v1` package
 * @param {string} options.orchestrator the orchestrator's address
 * @param {string} [options.apiKey] sent as `x-api-key` with every call when set
 * @param {object} options.registration the RegisterExecutorRequest to send
 * @param {(level: string, message: string) => void} options.log logger
 * @param {{ beginRegistration: () => void, accept: (key: object | null) => void }} [options.callerTokens] receives the caller-token key of each registration
 * @returns {{ stop: () => Promise<void> }} stop ends the loop and deregisters
 */
export function startRegistration({ contract, orchestrator, apiKey, registration, log, callerTokens }) {
  const { target, credentials } = orchestratorTarget(orchestrator);
  // The channel's own reconnect backoff follows the registration backoff, so the executor
  // registers soon after an orchestrator comes up instead of waiting out grpc-js' defaults.
  const client = new contract.ExecutorRegistryService(target, credentials, {
    'grpc.initial_reconnect_backoff_ms': REGISTRATION_RETRY_INITIAL_MS,
    'grpc.max_reconnect_backoff_ms': REGISTRATION_RETRY_MAX_MS,
  });
  const stopping = new AbortController();
  let executorId = null;

  const unary = (method, request, timeoutMs) =>
    new Promise((resolve, reject) => {
      const metadata = new grpc.Metadata();
      if (apiKey) metadata.set('x-api-key', apiKey);
      client[method](request, metadata, { deadline: Date.now() + timeoutMs }, (error, response) => (error ? reject(error) : resolve(response)));
    });

  async function register() {
    let wait = REGISTRATION_RETRY_INITIAL_MS;
    for (;;) {
      try {
        callerTokens?.beginRegistration();
        const response = await unary('RegisterExecutor', registration, CALL_TIMEOUT_MS);
        callerTokens?.accept(response.caller_token_key);
        const interval = durationMs(response.heartbeat_interval) || DEFAULT_HEARTBEAT_INTERVAL_MS;
        log('info', `registered with ${orchestrator} as '${response.executor_id}' (${registration.endpoint}, types ${registration.step_types.join(',')}, heartbeat every ${interval} ms)`);
        return { id: response.executor_id, interval };
      } catch (error) {
        const jittered = Math.round(wait * (0.8 + Math.random() * 0.4));
        log('warn', `registration with ${orchestrator} failed (${describe(error)}); retrying in ${jittered} ms`);
        await delay(jittered, undefined, { signal: stopping.signal });
        wait = Math.min(wait * 2, REGISTRATION_RETRY_MAX_MS);
      }
    }
  }

  async function heartbeatUntilLost(id, interval) {
    for (;;) {
      await delay(interval, undefined, { signal: stopping.signal });
      try {
        await unary('Heartbeat', { executor_id: id }, Math.max(interval, 1000));
      } catch (error) {
        if (error.code === grpc.status.NOT_FOUND) {
          log('warn', `heartbeat answered NOT_FOUND for '${id}': the lease expired, registering again`);
          return;
        }
        if (stopping.signal.aborted) throw error;
        // The orchestrator may be restarting: keep the lease alive as long as it lasts.
        log('warn', `heartbeat for '${id}' failed (${describe(error)})`);
      }
    }
  }

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      const { id, interval } = await register();
      executorId = id;
      await heartbeatUntilLost(id, interval);
      executorId = null;
    }
  })().catch((error) => {
    if (!stopping.signal.aborted) log('error', `registration loop ended: ${describe(error)}`);
  });

  async function stop() {
    stopping.abort();
    await loop;
    if (executorId !== null) {
      try {
        await unary('DeregisterExecutor', { executor_id: executorId }, CALL_TIMEOUT_MS);
        log('info', `deregistered '${executorId}' from ${orchestrator}`);
      } catch (error) {
        log('warn', `deregistration of '${executorId}' failed (${describe(error)})`);
      }
    }
    client.close();
  }

  return { stop };
}

function durationMs(duration) {
  if (!duration) return 0;
  return Number(duration.seconds ?? 0) * 1000 + Math.floor((duration.nanos ?? 0) / 1e6);
}

function describe(error) {
  return error?.code !== undefined ? `${grpc.status[error.code] ?? error.code}: ${error.details ?? error.message}` : String(error?.message ?? error);
}
