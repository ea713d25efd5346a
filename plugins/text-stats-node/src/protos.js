// Loads the GrpcWorkflows contract at run time, straight from the repository's protos/ folder.
// No proto file is copied or generated: the executor speaks whatever the contract says today.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

/** The repository's protos/ folder, resolved relative to this file (plugins/text-stats-node/src). */
export const PROTOS_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'protos');

/**
 * Options shared by the server and the tests: proto field names as written (snake_case),
 * enums as names, 64-bit integers as strings, oneofs tagged by their `kind` member.
 */
export const LOADER_OPTIONS = Object.freeze({
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  // The google/protobuf well-known types (Struct, Duration, Timestamp) ship with proto-loader;
  // the repository root makes `import "grpcworkflows/v1/..."` resolve.
  includeDirs: [PROTOS_ROOT],
});

const FILES = ['grpcworkflows/v1/executor.proto', 'grpcworkflows/v1/registry.proto'];

/** Loads the contract and returns the `grpcworkflows.v1` package of grpc-js constructors. */
export function loadContract() {
  const definition = protoLoader.loadSync(FILES, LOADER_OPTIONS);
  return grpc.loadPackageDefinition(definition).grpcworkflows.v1;
}
