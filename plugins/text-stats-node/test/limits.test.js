// Deadlines, cancellation, the concurrency limit and graceful shutdown, each against its own
// executor process whose steps wait (cancellably) before working, so calls stay in flight long
// enough to observe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import grpc from '@grpc/grpc-js';
import { fromStruct, toStruct } from '../src/struct.js';
import { contract, executorClient, startExecutor, stepRequest, unary } from './helpers.js';

test('ExecuteStep_GrpcDeadlinePasses_FailsWithDeadlineExceededAndFreesItsSlot', async (t) => {
  const executor = await startExecutor(t, ['--simulate-latency-ms', '10000', '--max-concurrency', '1']);
  const client = executorClient(t, executor.port);
  const request = stepRequest(toStruct({ text: 'Slow text.' }));
  await unary(client, 'DescribeExecutor', {}, { deadline: Date.now() + 5000 }); // connect first

  const started = Date.now();
  const error = await unary(client, 'ExecuteStep', request, { deadline: Date.now() + 500 }).then(
    () => assert.fail('expected DEADLINE_EXCEEDED'),
    (e) => e,
  );
  assert.equal(error.code, grpc.status.DEADLINE_EXCEEDED);
  assert.ok(Date.now() - started < 3000, `failed after ${Date.now() - started} ms`);
  await executor.waitForLine(/started \(1\/1 in flight\)/);
  // The caller's deadline usually fires first (the executor's copy of it starts when the request
  // arrives) and grpc-js then resets the stream, which the executor sees as a cancellation.
  await executor.waitForLine(/(deadline exceeded|cancelled by the caller) after \d+ ms, work stopped/);

  // With a capacity of 1, a second call is served, not rejected: the first one freed its slot.
  const second = await unary(client, 'ExecuteStep', request, { deadline: Date.now() + 500 }).then(
    () => assert.fail('expected DEADLINE_EXCEEDED'),
    (e) => e,
  );
  assert.equal(second.code, grpc.status.DEADLINE_EXCEEDED);
  await executor.waitForLines(/started \(1\/1 in flight\)/, 2);
  assert.ok(!executor.lines.some((line) => /rejected/.test(line)), executor.lines.join('\n'));
});

test('ExecuteStep_RequestTimeoutPassesWithoutCallDeadline_ServerAnswersDeadlineExceeded', async (t) => {
  const executor = await startExecutor(t, ['--simulate-latency-ms', '10000']);
  const client = executorClient(t, executor.port);

  // No gRPC deadline on the call: only the request's own `timeout` (300 ms) limits the attempt,
  // so the DEADLINE_EXCEEDED status can only come from the executor.
  const started = Date.now();
  const error = await unary(client, 'ExecuteStep', stepRequest(toStruct({ text: 'Slow text.' }), {}, { timeout: { seconds: 0, nanos: 300e6 } })).then(
    () => assert.fail('expected DEADLINE_EXCEEDED'),
    (e) => e,
  );

  assert.equal(error.code, grpc.status.DEADLINE_EXCEEDED);
  assert.match(error.details, /deadline passed/);
  assert.ok(Date.now() - started < 3000, `failed after ${Date.now() - started} ms`);
});

test('ExecuteStep_CallerCancels_ServerStopsTheWork', async (t) => {
  const executor = await startExecutor(t, ['--simulate-latency-ms', '10000']);
  const client = executorClient(t, executor.port);

  let call;
  const result = unary(client, 'ExecuteStep', stepRequest(toStruct({ text: 'Cancel me.' })), {
    deadline: Date.now() + 20000,
    onCall: (c) => {
      call = c;
    },
  });
  await executor.waitForLine(/step 'stats' \(text_stats\).*: started/);
  const cancelled = Date.now();
  call.cancel();

  const error = await result.then(
    () => assert.fail('expected CANCELLED'),
    (e) => e,
  );
  assert.equal(error.code, grpc.status.CANCELLED);
  await executor.waitForLine(/cancelled by the caller after \d+ ms, work stopped/);
  assert.ok(Date.now() - cancelled < 3000, `server noticed after ${Date.now() - cancelled} ms`);
});

test('ExecuteStep_BeyondMaxConcurrency_FailsWithResourceExhausted', async (t) => {
  const executor = await startExecutor(t, ['--simulate-latency-ms', '10000', '--max-concurrency', '2']);
  const client = executorClient(t, executor.port);
  const request = stepRequest(toStruct({ text: 'Busy.' }));

  const calls = [];
  const pending = [];
  for (let i = 0; i < 2; i += 1) {
    pending.push(unary(client, 'ExecuteStep', request, { deadline: Date.now() + 20000, onCall: (c) => calls.push(c) }).catch((e) => e));
  }
  await executor.waitForLine(/started \(2\/2 in flight\)/);

  const third = await unary(client, 'ExecuteStep', request, { deadline: Date.now() + 5000 }).then(
    () => assert.fail('expected RESOURCE_EXHAUSTED'),
    (e) => e,
  );
  assert.equal(third.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(third.details, /limit of 2 calls in flight/);

  // Once a call ends, its slot serves the next one.
  calls[0].cancel();
  await executor.waitForLine(/cancelled by the caller/);
  const before = executor.lines.length;
  pending.push(unary(client, 'ExecuteStep', request, { deadline: Date.now() + 20000, onCall: (c) => calls.push(c) }).catch((e) => e));
  await executor.waitForLine(/started \(2\/2 in flight\)/, before);
  for (const call of calls) call.cancel();
  await Promise.all(pending);
});

test('ExecuteStep_DeadlinePassedBeforeArrival_RejectedWithoutWork', async (t) => {
  const executor = await startExecutor(t);
  // grpc-js clients never send a call whose deadline has passed, so this one is written by hand:
  // plain HTTP/2 with a 1 ns grpc-timeout, which has passed by the time the handler runs.
  const session = http2.connect(executor.address);
  t.after(() => session.close());
  const message = contract.StepExecutorService.service.ExecuteStep.requestSerialize(stepRequest(toStruct({ text: 'Too late.' })));
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  const stream = session.request({
    ':method': 'POST',
    ':path': '/grpcworkflows.v1.StepExecutorService/ExecuteStep',
    'content-type': 'application/grpc',
    te: 'trailers',
    'grpc-timeout': '1n',
  });
  const trailers = new Promise((resolve) => stream.on('trailers', resolve));
  const headers = new Promise((resolve) => stream.on('response', resolve));
  stream.end(frame);
  stream.resume();
  const status = await Promise.race([
    trailers,
    // A trailers-only response carries the status in its headers.
    headers.then((h) => (h['grpc-status'] !== undefined ? h : trailers)),
  ]);

  assert.equal(Number(status['grpc-status']), grpc.status.DEADLINE_EXCEEDED);
  // grpc-js' own deadline timer or the executor's check on arrival answers first; either way the
  // work never starts. A normal call afterwards is the only one that starts.
  const client = executorClient(t, executor.port);
  await unary(client, 'ExecuteStep', stepRequest(toStruct({ text: 'In time.' })), { deadline: Date.now() + 5000 });
  const started = executor.lines.filter((line) => /: started \(/.test(line));
  assert.equal(started.length, 1, executor.lines.join('\n'));
});

test('Shutdown_SigtermWithCallInFlight_LetsTheCallFinishThenExitsZero', async (t) => {
  const executor = await startExecutor(t, ['--simulate-latency-ms', '1500']);
  const client = executorClient(t, executor.port);

  const result = unary(client, 'ExecuteStep', stepRequest(toStruct({ text: 'Finish me first.' })), { deadline: Date.now() + 20000 });
  await executor.waitForLine(/: started \(1\/8 in flight\)/);
  executor.child.kill('SIGTERM');

  const response = await result;
  assert.equal(fromStruct(response.output).words, 3);
  assert.equal(await executor.exited, 0);
  const order = executor.lines.filter((line) => /SIGTERM received|succeeded in|stopped$/.test(line));
  assert.equal(order.length, 3, executor.lines.join('\n'));
  assert.match(order[0], /SIGTERM received: shutting down \(1 calls in flight\)/);
  assert.match(order[1], /succeeded in/);
  assert.match(order[2], /stopped$/);
});
