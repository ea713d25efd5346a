# syntax=docker/dockerfile:1
# The four built-in step executors in one image; the first argument picks one: input, process, output or ai.
# Each connects out to the orchestrator (Executor__OrchestratorAddress) and serves gRPC health on 5200.
# Build from the repository root:  docker build -f deploy/docker/executors.Dockerfile -t grpcworkflows/executors .
# Run one:                         docker run grpcworkflows/executors process
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN for name in Input Process Output Ai; do \
      dotnet publish "plugins/GrpcWorkflows.Plugins.$name/GrpcWorkflows.Plugins.$name.csproj" -c Release \
        -o "/out/$(echo "$name" | tr '[:upper:]' '[:lower:]')" --nologo || exit 1; \
    done

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /out .
COPY deploy/docker/executor-entrypoint.sh /usr/local/bin/grpcworkflows-executor
RUN chmod 0755 /usr/local/bin/grpcworkflows-executor \
 && mkdir -p /var/lib/grpcworkflows/data /var/lib/grpcworkflows/output \
 && chown -R app:app /var/lib/grpcworkflows
ENV ASPNETCORE_URLS=http://0.0.0.0:5200 \
    Executor__Mode=Connect \
    Input__DataRoot=/var/lib/grpcworkflows/data \
    Output__Root=/var/lib/grpcworkflows/output
USER app
EXPOSE 5200
ENTRYPOINT ["/usr/local/bin/grpcworkflows-executor"]
CMD ["process"]
