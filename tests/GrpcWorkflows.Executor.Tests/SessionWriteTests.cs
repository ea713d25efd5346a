using Grpc.Net.Client;
using GrpcWorkflows.Executor.Sessions;
using GrpcWorkflows.Executor.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Executor.Tests;

/// <summary>
/// The session's writer against a real registry on loopback: results that queued up while the previous write was on
/// the wire go out together in one <c>results</c> message when the orchestrator accepts it, alone when it does not,
/// and never reordered with the other messages.
/// </summary>
public sealed class SessionWriteTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task QueuedResults_GoOutTogetherOnlyWhenTheOrchestratorAcceptsThem_InOrderWithTheOtherMessages(bool acceptsResults)
    {
        await using var registry = await TestRegistryServer.StartAsync(TimeSpan.FromHours(1));
        using var channel = GrpcChannel.ForAddress(registry.Address);
        var client = new ExecutorRegistryService.ExecutorRegistryServiceClient(channel);
        using var session = new SessionConnection(client.Connect(), maxConcurrency: 10) { AcceptsResults = acceptsResults };

        // Everything is queued before the writer starts, so what it finds queued is known.
        Assert.True(await session.SendAsync(new ConnectRequest { Registration = new SessionRegistration { Name = "writer" } }));
        for (ulong id = 1; id <= 4; id++)
        {
            Assert.True(await session.SendAsync(Result(id)));
        }

        Assert.True(await session.SendAsync(new ConnectRequest { Credit = new SessionCredit { Credits = 2 } }));
        Assert.True(await session.SendAsync(Result(5)));
        Assert.True(await session.SendAsync(Result(6)));
        var writing = session.WriteLoopAsync();

        var received = registry.Calls.SessionMessages.Reader;
        Assert.Equal(ConnectRequest.KindOneofCase.Registration, (await received.ReadAsync().AsTask().DefaultTimeout()).KindCase);
        var seen = new List<string>();
        for (var results = 0; results < 6;)
        {
            var message = await received.ReadAsync().AsTask().DefaultTimeout();
            // One entry per message: a message of several results lists their ids together.
            List<SessionResult> answered = message.KindCase switch
            {
                ConnectRequest.KindOneofCase.Result => [message.Result],
                ConnectRequest.KindOneofCase.Results => [.. message.Results.Results],
                _ => [],
            };
            results += answered.Count;
            seen.Add(answered.Count > 0 ? "results " + string.Join(',', answered.Select(r => r.DispatchId)) : message.KindCase.ToString());
        }

        string[] expected = acceptsResults
            ? ["results 1,2,3,4", "Credit", "results 5,6"]
            : ["results 1", "results 2", "results 3", "results 4", "Credit", "results 5", "results 6"];
        Assert.Equal(expected, seen);
        session.Abort();
        await writing.ContinueWith(static _ => { }, TaskScheduler.Default).DefaultTimeout();
    }

    private static ConnectRequest Result(ulong dispatchId)
        => new() { Result = new SessionResult { DispatchId = dispatchId, Response = new ExecuteStepResponse(), Credits = 1 } };
}
