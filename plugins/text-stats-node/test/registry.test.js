// Self-registration: the executor (a child process) against a registry server started here,
// a grpc-js server implementing ExecutorRegistryService from the repository's protos.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import grpc from '@grpc/grpc-js';
import { contract, startExecutor, until } from './helpers.js';

/** Heartbeat interval the fake registry hands out, short so the tests stay fast. */
const HEARTBEAT_MS = 100;

/**
 * Starts a registry on `port` (0 for any). It records every call; `heartbeatAnswers` holds
 * status codes to answer the next heartbeats with (then OK).
 */
async function startRegistry(t, port = 0) {
  const registry = {
    events: new EventEmitter(),
    registrations: [],
    heartbeats: [],
    deregistrations: [],
    heartbeatAnswers: [],
  };
  const changed = () => registry.events.emit('change');
  const server = new grpc.Server();
  server.addService(contract.ExecutorRegistryService.service, {
    RegisterExecutor: (call, callback) => {
      const executorId = `executor-${registry.registrations.length + 1}`;
      registry.registrations.push({ ...call.request, executorId, apiKey: call.metadata.get('x-api-key')[0] });
      callback(null, {
        executor_id: executorId,
        lease_duration: { seconds: 1, nanos: 0 },
        heartbeat_interval: { seconds: 0, nanos: HEARTBEAT_MS * 1e6 },
      });
      changed();
    },
    Heartbeat: (call, callback) => {
      const code = registry.heartbeatAnswers.shift() ?? grpc.status.OK;
      registry.heartbeats.push({ executorId: call.request.executor_id, code });
      if (code === grpc.status.OK) {
        callback(null, { lease_expire_time: { seconds: Math.floor(Date.now() / 1000) + 1, nanos: 0 } });
      } else {
        callback({ code, details: `unknown executor '${call.request.executor_id}'` });
      }
      changed();
    },
    DeregisterExecutor: (call, callback) => {
      registry.deregistrations.push(call.request.executor_id);
      registry.deregistrationKeys = [...(registry.deregistrationKeys ?? []), call.metadata.get('x-api-key')[0]];
      callback(null, {});
      changed();
    },
    ListExecutors: (_call, callback) => callback(null, { executors: [] }),
  });
  registry.port = await new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  registry.address = `http://127.0.0.1:${registry.port}`;
  registry.until = (predicate, what) => until(registry.events, 'change', predicate, 5000, what);
  t.after(() => server.forceShutdown());
  return registry;
}

/** A loopback port that nothing listens on (bound, then released). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

test('Executor_WithOrchestrator_RegistersHeartbeatsAndDeregistersOnSigterm', async (t) => {
  const registry = await startRegistry(t);
  const executor = await startExecutor(t, ['--orchestrator', registry.address, '--mode', 'push', '--max-concurrency', '5']);

  const registration = await registry.until(() => registry.registrations[0], 'RegisterExecutor');
  assert.equal(registration.endpoint, executor.address);
  assert.deepEqual(registration.step_types, ['text_stats']);
  assert.equal(registration.max_concurrency, 5);
  assert.equal(registration.name, 'text-stats-node');
  assert.match(registration.version, /^\d+\.\d+\.\d+$/);
  assert.equal(registration.labels.language, 'node');

  // Heartbeats come at the interval the registry returned, with the id it granted.
  const started = Date.now();
  await registry.until(() => registry.heartbeats.length >= 3, 'three heartbeats');
  assert.ok(registry.heartbeats.every((h) => h.executorId === 'executor-1'));
  assert.ok(Date.now() - started >= 2 * HEARTBEAT_MS - 20, `three heartbeats within ${Date.now() - started} ms`);

  executor.child.kill('SIGTERM');
  assert.equal(await executor.exited, 0);
  assert.deepEqual(registry.deregistrations, ['executor-1']);
  assert.equal(registry.registrations.length, 1);
});

test('Executor_HeartbeatAnswersNotFound_RegistersAgainAndHeartbeatsWithTheNewId', async (t) => {
  const registry = await startRegistry(t);
  registry.heartbeatAnswers.push(grpc.status.NOT_FOUND);
  const executor = await startExecutor(t, ['--orchestrator', registry.address, '--mode', 'push']);

  await registry.until(() => registry.registrations.length >= 2, 'a second RegisterExecutor');
  assert.equal(registry.heartbeats[0].executorId, 'executor-1');
  assert.equal(registry.heartbeats[0].code, grpc.status.NOT_FOUND);
  assert.equal(registry.registrations[1].endpoint, executor.address);

  await registry.until(() => registry.heartbeats.some((h) => h.executorId === 'executor-2' && h.code === grpc.status.OK), 'a heartbeat of executor-2');
  executor.child.kill('SIGINT');
  assert.equal(await executor.exited, 0);
  assert.deepEqual(registry.deregistrations, ['executor-2']);
});

test('Executor_OrchestratorNotUpYet_RetriesRegistrationUntilItAnswers', async (t) => {
  const port = await freePort();
  const executor = await startExecutor(t, ['--orchestrator', `http://127.0.0.1:${port}`, '--mode', 'push']);
  await executor.waitForLines(/registration with .* failed .* retrying in \d+ ms/, 2);

  const registry = await startRegistry(t, port);
  const registration = await registry.until(() => registry.registrations[0], 'RegisterExecutor once the registry is up');
  assert.equal(registration.endpoint, executor.address);
  // Waits grow between attempts (exponential backoff).
  const waits = executor.lines.map((line) => /retrying in (\d+) ms/.exec(line)).filter(Boolean).map((m) => Number(m[1]));
  assert.ok(waits[1] > waits[0], `waits ${waits.join(', ')}`);

  executor.child.kill('SIGTERM');
  assert.equal(await executor.exited, 0);
  assert.deepEqual(registry.deregistrations, ['executor-1']);
});

test('Executor_ApiKeyInEnvironment_SentWithRegistrationAndDeregistration', async (t) => {
  const registry = await startRegistry(t);
  const executor = await startExecutor(t, ['--orchestrator', registry.address, '--mode', 'push'], { GWF_API_KEY: 'gwf_node-executor-key' });

  const registration = await registry.until(() => registry.registrations[0], 'RegisterExecutor');
  executor.child.kill('SIGTERM');
  assert.equal(await executor.exited, 0);

  assert.equal(registration.apiKey, 'gwf_node-executor-key');
  assert.deepEqual(registry.deregistrationKeys, ['gwf_node-executor-key']);
});
