#!/usr/bin/env sh
# Generates the Python stubs of the GrpcWorkflows contract (protos/) with Debian's protoc and
# grpc_python_plugin (apt-get install protobuf-compiler protobuf-compiler-grpc).
# Usage: samples/python-wordcount/generate.sh [output folder, default samples/python-wordcount/generated]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
protos="$here/../../protos"
out="${1:-$here/generated}"
plugin=$(command -v grpc_python_plugin) || { echo "grpc_python_plugin not found: apt-get install protobuf-compiler-grpc" >&2; exit 1; }
mkdir -p "$out"
protoc -I "$protos" --python_out="$out" --grpc_out="$out" --plugin=protoc-gen-grpc="$plugin" "$protos"/grpcworkflows/v1/*.proto
echo "Python stubs written to $out"
