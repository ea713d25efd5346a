// Connect mode: the executor (a child process) opens a session to an orchestrator stand-in started
// here, a grpc-js server implementing ExecutorRegistryService.Connect from the repository's protos.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import grpc from '@grpc/grpc-js';
import { contract, startExecutor, until } from './helpers.js';
import { toStruct } from '../src/struct.js';

/** Starts an orchestrator stand-in that records every session and every message received. */
async function startOrchestrator(t) {
  const orchestrator = { events: new EventEmitter(), sessions: [] };
  const changed = () => orchestrator.events.emit('change');
  const server = new grpc.Server();
  server.addService(contract.ExecutorRegistryService.service, {
    RegisterExecutor: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED, details: 'sessions only' }),
    Heartbeat: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED, details: 'sessions only' }),
    DeregisterExecutor: (_call, callback) => callback(null, {}),
    ListExecutors: (_call, callback) => callback(null, { executors: [] }),
    Connect: (call) => {
      const session = { call, received: [], ended: false, apiKey: call.metadata.get('x-api-key')[0] };
      orchestrator.sessions.push(session);
      call.on('data', (message) => {
        session.received.push(message);
        if (message.kind === 'registration') {
          call.write({ registered: { executor_id: `ex-${orchestrator.sessions.length}`, heartbeat_interval: { seconds: 0, nanos: 100e6 }, session_timeout: { seconds: 1, nanos: 0 } } });
        }
        changed();
      });
      call.on('end', () => {
        session.ended = true;
        call.end();
        changed();
      });
      call.on('error', () => {
        session.ended = true;
        changed();
      });
    },
  });
  orchestrator.port = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  orchestrator.address = `http://127.0.0.1:${orchestrator.port}`;
  orchestrator.until = (predicate, what, ms = 5000) => until(orchestrator.events, 'change', predicate, ms, what);
  orchestrator.shutdown = () => server.forceShutdown();
  t.after(() => server.forceShutdown());
  return orchestrator;
}

const results = (session) => session.received.filter((m) => m.kind === 'result').map((m) => m.result);

function attempt(id, text, extra = {}) {
  return {
    attempt: {
      dispatch_id: String(id),
      request: { execution_id: `exec-${id}`, workflow_id: 'wf', step_id: 'stats', step_type: 'text_stats', attempt: 1, idempotency_key: `exec-${id}:stats`, input: toStruct({ text }), ...extra },
    },
  };
}

test('Executor_ConnectMode_RegistersWithCreditsAnswersAttemptsAndReturnsACreditPerResult', async (t) => {
  const orchestrator = await startOrchestrator(t);
  await startExecutor(t, ['--orchestrator', orchestrator.address, '--max-concurrency', '3'], { GWF_API_KEY: 'gwf_session-key' });
  const session = await orchestrator.until(() => orchestrator.sessions[0]?.received.length && orchestrator.sessions[0], 'a session');

  const registration = session.received[0].registration;
  assert.deepEqual(registration.step_types, ['text_stats']);
  assert.equal(registration.max_concurrency, 3);
  assert.equal(registration.credits, 3);
  assert.equal(registration.labels.language, 'node');
  assert.equal(session.apiKey, 'gwf_session-key');

  session.call.write(attempt(1, 'One two three. Four five.'));
  session.call.write(attempt(2, 'x', { step_type: 'not_served' }));
  await orchestrator.until(() => results(session).length === 2, 'two results');
  const [first, second] = [...results(session)].sort((a, b) => Number(a.dispatch_id) - Number(b.dispatch_id));
  assert.equal(first.dispatch_id, '1');
  assert.equal(first.status_code, 0);
  assert.equal(first.response.output.fields.words.numberValue, 5);
  assert.equal(first.credits, 1);
  assert.equal(second.status_code, grpc.status.UNIMPLEMENTED);
  assert.equal(second.credits, 1);

  await orchestrator.until(() => session.received.some((m) => m.kind === 'heartbeat'), 'a heartbeat');
});

test('Executor_ConnectMode_CancelStopsTheAttemptAndItAnswersCancelled', async (t) => {
  const orchestrator = await startOrchestrator(t);
  await startExecutor(t, ['--orchestrator', orchestrator.address, '--simulate-latency-ms', '30000']);
  const session = await orchestrator.until(() => orchestrator.sessions[0]?.received.length && orchestrator.sessions[0], 'a session');

  session.call.write(attempt(7, 'long'));
  await orchestrator.until(() => session.received.some((m) => m.kind === 'heartbeat' && m.heartbeat.running_dispatch_ids.includes('7')), 'the attempt reported running');
  session.call.write({ cancel: { dispatch_id: '7', reason: 'test' } });

  const [result] = await orchestrator.until(() => results(session).length === 1 && results(session), 'the cancelled result');
  assert.equal(result.status_code, grpc.status.CANCELLED);
});

// Regression (issue 15): a heartbeat tick written after the executor ended its side failed the call with
// ERR_STREAM_WRITE_AFTER_END, which cancelled it and lost the drained attempt's result still on its way out.
test('Executor_ConnectMode_SigtermWithAnAttemptInFlight_DrainsFinishesItAndExits', async (t) => {
  const orchestrator = await startOrchestrator(t);
  const executor = await startExecutor(t, ['--orchestrator', orchestrator.address, '--simulate-latency-ms', '2000']);
  const session = await orchestrator.until(() => orchestrator.sessions[0]?.received.length && orchestrator.sessions[0], 'a session');

  session.call.write(attempt(3, 'Finish me.'));
  await orchestrator.until(() => session.received.some((m) => m.kind === 'heartbeat' && m.heartbeat.running_dispatch_ids.includes('3')), 'the attempt running');
  executor.child.kill('SIGTERM');

  assert.equal(await executor.exited, 0);
  const kinds = session.received.map((m) => m.kind);
  assert.ok(kinds.includes('result') && kinds.indexOf('drain') < kinds.indexOf('result'), `drain before the result: ${kinds.join(',')}\n${executor.lines.join('\n')}`);
  const [result] = results(session);
  assert.equal(result.status_code, 0);
  assert.equal(result.credits, 0, 'a draining executor grants no more credits');
  await orchestrator.until(() => session.ended, 'the session ended');
});

test('Executor_ConnectMode_SessionLost_ConnectsAgainWithBackoff', async (t) => {
  const orchestrator = await startOrchestrator(t);
  const executor = await startExecutor(t, ['--orchestrator', orchestrator.address]);
  const first = await orchestrator.until(() => orchestrator.sessions[0]?.received.length && orchestrator.sessions[0], 'a session');

  // The orchestrator ends the session (as a restart would): the executor opens a new one by itself.
  first.call.end();
  await executor.waitForLine(/session with .* ended .* connecting again in \d+ ms/);
  await orchestrator.until(() => orchestrator.sessions.length >= 2 && orchestrator.sessions[1].received.length > 0, 'a second session');
  assert.equal(orchestrator.sessions[1].received[0].kind, 'registration');
});
