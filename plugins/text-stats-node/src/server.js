#!/usr/bin/env node
// The text_stats step executor: a GrpcWorkflows StepExecutorService written in Node.
//
//   node plugins/text-stats-node/src/server.js --port 0 --host 127.0.0.1 \
//     [--orchestrator http://127.0.0.1:PORT] [--mode connect|push] [--max-concurrency 8]
//
// Prints `Now listening on: http://HOST:PORT` once it serves (test harnesses parse that line).
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { loadContract } from './protos.js';
import { createStepExecutor } from './executor.js';
import { startRegistration } from './registration.js';
import { startSession } from './session.js';
import { STEP_TYPE } from './textStats.js';
import { bearerToken, createCallerTokenCheck } from './callerToken.js';

/** Defaults of the command-line options. */
const DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: '0',
  maxConcurrency: 8,
  name: 'text-stats-node',
  shutdownGraceMs: 5000,
  mode: 'connect',
  callerTokens: 'verify',
});

const USAGE = `Usage: node src/server.js [options]
  --host HOST                 address to listen on (default ${DEFAULTS.host})
  --port PORT                 port to listen on, 0 for any free port (default ${DEFAULTS.port})
  --orchestrator URL          link up with the orchestrator at URL (http://host:port)
  --mode MODE                 connect: open a session to the orchestrator and receive attempts on it,
                              no inbound connection needed; push: register this address and be called
                              (default ${DEFAULTS.mode})
  --endpoint URL              push mode: address to register (default http://HOST:PORT as bound)
  --max-concurrency N         calls served at once; more get RESOURCE_EXHAUSTED (default ${DEFAULTS.maxConcurrency})
  --name NAME                 executor name (default ${DEFAULTS.name})
  --shutdown-grace-ms MS      how long calls in flight may finish on SIGTERM (default ${DEFAULTS.shutdownGraceMs})
  --simulate-latency-ms MS    wait MS (cancellable) before each step's work; for demos and tests (default 0)
  --caller-tokens MODE        verify: with --orchestrator, refuse calls without a valid caller token of the
                              orchestrator (docs/security.md); off: do not check (default ${DEFAULTS.callerTokens})
Environment:
  GWF_API_KEY                 API key (role executor) sent when registering, if the orchestrator requires one`;

const SERVICE_NAME = 'grpcworkflows.v1.StepExecutorService';

function log(level, message) {
  process.stdout.write(`${level}: text-stats-node: ${message}\n`);
}

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', default: DEFAULTS.host },
      port: { type: 'string', default: DEFAULTS.port },
      orchestrator: { type: 'string' },
      endpoint: { type: 'string' },
      mode: { type: 'string', default: DEFAULTS.mode },
      'max-concurrency': { type: 'string', default: String(DEFAULTS.maxConcurrency) },
      name: { type: 'string', default: DEFAULTS.name },
      'shutdown-grace-ms': { type: 'string', default: String(DEFAULTS.shutdownGraceMs) },
      'simulate-latency-ms': { type: 'string', default: '0' },
      'caller-tokens': { type: 'string', default: DEFAULTS.callerTokens },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const integer = (option, min) => {
    const value = Number(values[option]);
    if (!Number.isInteger(value) || value < min) {
      throw new Error(`--${option} must be an integer >= ${min}, got '${values[option]}'`);
    }
    return value;
  };
  if (values.mode !== 'connect' && values.mode !== 'push') {
    throw new Error(`--mode must be connect or push, got '${values.mode}'`);
  }
  if (values['caller-tokens'] !== 'verify' && values['caller-tokens'] !== 'off') {
    throw new Error(`--caller-tokens must be verify or off, got '${values['caller-tokens']}'`);
  }
  return {
    help: values.help ?? false,
    mode: values.mode,
    host: values.host,
    port: integer('port', 0),
    orchestrator: values.orchestrator,
    endpoint: values.endpoint,
    maxConcurrency: integer('max-concurrency', 1),
    name: values.name,
    shutdownGraceMs: integer('shutdown-grace-ms', 0),
    simulateLatencyMs: integer('simulate-latency-ms', 0),
    callerTokens: values['caller-tokens'],
  };
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }

  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const labels = { language: 'node', runtime: `node-${process.versions.node}` };
  const contract = loadContract();
  // Only an executor that registers receives a key; one listed in the orchestrator's configuration cannot check.
  const callerTokens = options.orchestrator && options.callerTokens === 'verify' ? createCallerTokenCheck({ log }) : null;
  if (!callerTokens) {
    log('warn', 'caller tokens are not checked: any process that reaches this executor can run its steps');
  }
  const executor = createStepExecutor({
    maxConcurrency: options.maxConcurrency,
    name: options.name,
    version,
    labels,
    simulateLatencyMs: options.simulateLatencyMs,
    log,
    checkCaller: callerTokens ? (metadata, request) => callerTokens.check(bearerToken(metadata), request) : undefined,
  });

  const server = new grpc.Server();
  server.addService(contract.StepExecutorService.service, executor.implementation);
  const health = new HealthImplementation({ '': 'SERVING', [SERVICE_NAME]: 'SERVING' });
  health.addToServer(server);

  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  const port = await new Promise((resolve, reject) => {
    server.bindAsync(`${hostForUrl}:${options.port}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  const address = `http://${hostForUrl}:${port}`;
  process.stdout.write(`Now listening on: ${address}\n`);
  log('info', `serving ${STEP_TYPE} (max concurrency ${options.maxConcurrency}, version ${version})`);

  // An API key of role `executor` when the orchestrator authenticates clients (docs/security.md).
  const session = options.orchestrator && options.mode === 'connect'
    ? startSession({
        contract,
        orchestrator: options.orchestrator,
        apiKey: process.env.GWF_API_KEY,
        registration: { step_types: [STEP_TYPE], max_concurrency: options.maxConcurrency, name: options.name, version, labels },
        runAttempt: executor.runAttempt,
        log,
        callerTokens,
      })
    : null;
  const registration = options.orchestrator && options.mode === 'push'
    ? startRegistration({
        contract,
        orchestrator: options.orchestrator,
        // An API key of role `executor` when the orchestrator authenticates clients (docs/security.md).
        apiKey: process.env.GWF_API_KEY,
        registration: {
          endpoint: options.endpoint ?? address,
          step_types: [STEP_TYPE],
          max_concurrency: options.maxConcurrency,
          name: options.name,
          version,
          labels,
        },
        log,
        callerTokens,
      })
    : null;

  let shuttingDown = false;
  const shutdown = async (signal) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log('info', `${signal} received: shutting down (${executor.inFlight()} calls in flight)`);
    health.setStatus('', 'NOT_SERVING');
    health.setStatus(SERVICE_NAME, 'NOT_SERVING');
    if (registration) await registration.stop();
    if (session) await session.stop(options.shutdownGraceMs);
    await new Promise((resolve) => {
      const force = setTimeout(() => {
        log('warn', `calls still in flight after ${options.shutdownGraceMs} ms: closing them`);
        server.forceShutdown();
        resolve();
      }, options.shutdownGraceMs);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    log('info', 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  process.stderr.write(`text-stats-node: ${error?.stack ?? error}\n`);
  process.exit(1);
});
