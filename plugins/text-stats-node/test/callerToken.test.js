// Caller tokens: the executor (a child process) refuses calls that do not carry a valid token of its orchestrator,
// in push mode (ExecuteStep, `authorization: Bearer`) and in connect mode (SessionAttempt.caller_token). The stand-in
// registries here hand out a key at registration and sign tokens as the orchestrator does (HS256 JWT).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createHmac, randomBytes } from 'node:crypto';
import grpc from '@grpc/grpc-js';
import { contract, executorClient, startExecutor, stepRequest, until } from './helpers.js';
import { toStruct } from '../src/struct.js';

/** Generous: the machine may be busy; a wait that ends early costs nothing. */
const WAIT = 20000;
const SECRET = randomBytes(32);
const ISSUER = 'test-orchestrator';

/** A token as the orchestrator signs it; `claims` override the defaults (valid two minutes from now, bound to `request`). */
function sign(request, claims = {}, secret = SECRET) {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({
    iss: ISSUER, aud: 'executor-1', iat: now, nbf: now, exp: now + 120,
    execution_id: request.execution_id, step_id: request.step_id, attempt: request.attempt, ...claims,
  })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

const key = (audience) => ({ algorithm: 'HS256', key: SECRET, issuer: ISSUER, audience });

async function serve(t, implementation) {
  const server = new grpc.Server();
  server.addService(contract.ExecutorRegistryService.service, {
    RegisterExecutor: (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED, details: 'not here' }),
    Heartbeat: (_call, callback) => callback(null, { lease_expire_time: { seconds: Math.floor(Date.now() / 1000) + 60, nanos: 0 } }),
    DeregisterExecutor: (_call, callback) => callback(null, {}),
    ListExecutors: (_call, callback) => callback(null, { executors: [] }),
    Connect: (call) => call.end(),
    ...implementation,
  });
  const port = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  t.after(() => server.forceShutdown());
  return `http://127.0.0.1:${port}`;
}

test('Executor_PushMode_RunsOnlyCallsWithAValidCallerTokenForItAndTheAttempt', async (t) => {
  const events = new EventEmitter();
  let registered = false;
  const address = await serve(t, {
    RegisterExecutor: (_call, callback) => {
      callback(null, { executor_id: 'executor-1', lease_duration: { seconds: 60, nanos: 0 }, heartbeat_interval: { seconds: 10, nanos: 0 }, caller_token_key: key('executor-1') });
      registered = true;
      events.emit('change');
    },
  });
  const executor = await startExecutor(t, ['--orchestrator', address, '--mode', 'push']);
  await until(events, 'change', () => registered, WAIT, 'the registration');
  await executor.waitForLine(/registered with/, 0, WAIT);
  const client = executorClient(t, executor.port);
  const request = stepRequest(toStruct({ text: 'One two three.' }));

  const call = (token) =>
    new Promise((resolve) => {
      const metadata = new grpc.Metadata();
      if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
      client.ExecuteStep(request, metadata, (error) => resolve(error ? error.code : grpc.status.OK));
    });

  assert.equal(await call(sign(request)), grpc.status.OK);
  assert.equal(await call(undefined), grpc.status.UNAUTHENTICATED);
  assert.equal(await call('not-a-jwt'), grpc.status.UNAUTHENTICATED);
  assert.equal(await call(sign(request, {}, randomBytes(32))), grpc.status.UNAUTHENTICATED, 'signed with another key');
  const past = Math.floor(Date.now() / 1000) - 600;
  assert.equal(await call(sign(request, { iat: past, nbf: past, exp: past + 120 })), grpc.status.UNAUTHENTICATED, 'expired');
  assert.equal(await call(sign(request, { aud: 'executor-2' })), grpc.status.PERMISSION_DENIED, 'meant for another executor');
  assert.equal(await call(sign(request, { attempt: 2 })), grpc.status.PERMISSION_DENIED, 'meant for another attempt');
});

test('Executor_ConnectMode_AnswersAnAttemptWithoutAValidTokenUnauthenticatedAndRunsTheOthers', async (t) => {
  const events = new EventEmitter();
  const received = [];
  let session = null;
  const address = await serve(t, {
    Connect: (call) => {
      session = call;
      call.on('data', (message) => {
        received.push(message);
        if (message.kind === 'registration') {
          call.write({ registered: { executor_id: 'executor-1', heartbeat_interval: { seconds: 10, nanos: 0 }, session_timeout: { seconds: 30, nanos: 0 }, caller_token_key: key('executor-1') } });
        }
        events.emit('change');
      });
      call.on('end', () => call.end());
      call.on('error', () => {});
    },
  });
  await startExecutor(t, ['--orchestrator', address]);
  await until(events, 'change', () => session && received.length > 0, WAIT, 'a session');

  const request = stepRequest(toStruct({ text: 'One two three.' }));
  session.write({ attempt: { dispatch_id: '1', request, caller_token: sign(request) } });
  session.write({ attempt: { dispatch_id: '2', request } });
  session.write({ attempt: { dispatch_id: '3', request, caller_token: sign(request, { aud: 'executor-2' }) } });
  const results = await until(events, 'change', () => {
    const r = received.filter((m) => m.kind === 'result').map((m) => m.result);
    return r.length === 3 && r;
  }, WAIT, 'three results');
  const byId = Object.fromEntries(results.map((r) => [r.dispatch_id, r]));
  assert.equal(byId['1'].status_code, grpc.status.OK);
  assert.equal(byId['1'].response.output.fields.words.numberValue, 3);
  assert.equal(byId['2'].status_code, grpc.status.UNAUTHENTICATED);
  assert.equal(byId['3'].status_code, grpc.status.PERMISSION_DENIED);
});
