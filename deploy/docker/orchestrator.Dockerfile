# syntax=docker/dockerfile:1
# The orchestrator: gRPC (h2c) on 5100, the dashboard, JSON API, /metrics and /healthz on 5180.
# Build from the repository root:  docker build -f deploy/docker/orchestrator.Dockerfile -t grpcworkflows/orchestrator .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# ui/dist is committed and embedded, so no Node is needed here.
RUN dotnet publish src/GrpcWorkflows.Orchestrator/GrpcWorkflows.Orchestrator.csproj -c Release -o /out --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /out .
# Listen on every interface inside the container. Outside loopback the orchestrator refuses to start without
# credentials: set Auth__ApiKeys__* or Auth__ApiKeysFile (docs/security.md); the compose file and the
# Kubernetes manifests show how.
ENV ASPNETCORE_URLS=http://0.0.0.0:5100 \
    Orchestrator__HttpAddress=http://0.0.0.0:5180 \
    Storage__Sqlite__Path=/var/lib/grpcworkflows/grpcworkflows.db
RUN mkdir -p /var/lib/grpcworkflows && chown app:app /var/lib/grpcworkflows
VOLUME /var/lib/grpcworkflows
USER app
EXPOSE 5100 5180
ENTRYPOINT ["dotnet", "GrpcWorkflows.Orchestrator.dll"]
