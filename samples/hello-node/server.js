// The smallest GrpcWorkflows step executor in Node: serves the step type `greet`
// ({"name": "Ada"} -> {"greeting": "Hello, Ada!"}) and registers with the orchestrator.
//   node samples/hello-node/server.js http://127.0.0.1:5100
// plugins/text-stats-node is the complete version (concurrency limit, deadlines, health, shutdown).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

// 1. Load the contract at run time, straight from the repository's protos/ folder.
const protos = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'protos');
const definition = protoLoader.loadSync(
  ['grpcworkflows/v1/executor.proto', 'grpcworkflows/v1/registry.proto'],
  { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [protos] },
);
const v1 = grpc.loadPackageDefinition(definition).grpcworkflows.v1;

// 2. Implement ExecuteStep (and DescribeExecutor). Input and output are google.protobuf.Struct.
function executeStep(call, callback) {
  const { step_type: type, input } = call.request;
  const name = input?.fields?.name?.stringValue;
  if (type !== 'greet') {
    return callback({ code: grpc.status.UNIMPLEMENTED, details: `step type '${type}' is not served here` });
  }
  if (typeof name !== 'string') {
    return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'name: is required and must be a string.' });
  }
  callback(null, { output: { fields: { greeting: { stringValue: `Hello, ${name}!` } } } });
}

function describeExecutor(_call, callback) {
  callback(null, { name: 'hello-node', version: '1.0.0', max_concurrency: 8, step_types: [{ type: 'greet', description: 'Greets input.name.' }] });
}

const server = new grpc.Server();
server.addService(v1.StepExecutorService.service, { ExecuteStep: executeStep, DescribeExecutor: describeExecutor });
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  const endpoint = `http://127.0.0.1:${port}`;
  console.log(`Now listening on: ${endpoint}`);
  const orchestrator = process.argv[2];
  if (orchestrator) register(new v1.ExecutorRegistryService(new URL(orchestrator).host, grpc.credentials.createInsecure()), endpoint);
});

// 3. Register, then heartbeat at the interval the orchestrator returns; register again when the lease is lost.
function register(registry, endpoint) {
  const request = { endpoint, step_types: ['greet'], max_concurrency: 8, name: 'hello-node', version: '1.0.0' };
  registry.RegisterExecutor(request, (error, response) => {
    if (error) {
      console.log(`registration failed (${error.details}); retrying in 1 s`);
      return setTimeout(() => register(registry, endpoint), 1000);
    }
    const { seconds = 5, nanos = 0 } = response.heartbeat_interval ?? {};
    const interval = Math.max(1000, Number(seconds) * 1000 + nanos / 1e6);
    console.log(`registered as ${response.executor_id}, heartbeat every ${interval} ms`);
    const timer = setInterval(() => registry.Heartbeat({ executor_id: response.executor_id }, (beatError) => {
      if (beatError?.code === grpc.status.NOT_FOUND) {
        clearInterval(timer);
        register(registry, endpoint);
      }
    }), interval);
  });
}
