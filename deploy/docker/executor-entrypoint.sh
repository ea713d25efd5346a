#!/bin/sh
# Starts one built-in executor of the image: input, process, output or ai; other arguments go to it.
set -eu
name="${1:-process}"
[ "$#" -gt 0 ] && shift
case "$name" in
  input) exec dotnet /app/input/GrpcWorkflows.Plugins.Input.dll "$@" ;;
  process) exec dotnet /app/process/GrpcWorkflows.Plugins.Process.dll "$@" ;;
  output) exec dotnet /app/output/GrpcWorkflows.Plugins.Output.dll "$@" ;;
  ai) exec dotnet /app/ai/GrpcWorkflows.Plugins.Ai.dll "$@" ;;
  *) echo "unknown executor '$name': use input, process, output or ai" >&2; exit 64 ;;
esac
