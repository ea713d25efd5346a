using System.Reflection;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.V1;
using Microsoft.Extensions.Logging;

namespace GrpcWorkflows.Executor.Internal;

/// <summary>
/// Runs one attempt on its handler and turns what happened into an <see cref="ExecuteStepResponse"/>:
/// the output, or the error classified (a <see cref="StepFailedException"/> as the handler chose, a
/// transport failure or timeout inside the handler retryable, any other exception retryable
/// <c>INTERNAL</c>). Shared by both ways attempts arrive: <c>ExecuteStep</c> calls and sessions.
/// </summary>
internal sealed class StepRunner(TimeProvider timeProvider, ILogger<StepRunner> logger)
{
    /// <summary>Runs <paramref name="request"/>; throws <see cref="OperationCanceledException"/> only when <paramref name="cancellationToken"/> fired.</summary>
    public async Task<ExecuteStepResponse> RunAsync(Func<IServiceProvider, IStepHandler> createHandler, ExecuteStepRequest request, DateTime? deadline, IServiceProvider services, CancellationToken cancellationToken)
    {
        var stepContext = new StepContext(request, deadline, services);
        try
        {
            var handler = createHandler(services);
            var output = await handler.ExecuteAsync(stepContext, cancellationToken).ConfigureAwait(false);
            return new ExecuteStepResponse { Output = output ?? new Struct() };
        }
        catch (StepFailedException ex)
        {
            return Failed(request, ex.Code, ex.Message, ex.IsRetryable, ex.RetryAfter, ex.Details);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.StepCancelled(logger, request.StepId, request.StepType, request.ExecutionId, request.Attempt);
            throw;
        }
        catch (Exception ex) when (ex is TimeoutException or HttpRequestException or IOException or OperationCanceledException)
        {
            // A timeout or a transport failure inside the handler (an HttpClient timeout surfaces as a cancellation).
            return Failed(request, "UNAVAILABLE", Describe(ex), retryable: true, retryAfter: null, details: null);
        }
        catch (Exception ex) when (ex is not Grpc.Core.RpcException)
        {
            Log.HandlerThrew(logger, ex, request.StepId, request.StepType, request.ExecutionId, request.Attempt);
            // An unhandled exception is retried, as a gRPC stack's UNKNOWN status is (see RetryClassification in the engine).
            return Failed(request, "INTERNAL", $"The step handler failed: {Describe(ex)}", retryable: true, retryAfter: null, details: null);
        }
    }

    /// <summary>Whether <paramref name="deadline"/> has passed (a cancellation was the deadline, not the caller).</summary>
    public bool Expired(DateTime? deadline) => deadline is { } d && d <= timeProvider.GetUtcNow().UtcDateTime;

    /// <summary>A failure response, logged.</summary>
    public ExecuteStepResponse Failed(ExecuteStepRequest request, string code, string message, bool retryable, TimeSpan? retryAfter, Struct? details)
    {
        Log.StepFailed(logger, request.StepId, request.StepType, request.ExecutionId, request.Attempt, code, retryable, message);
        var error = new StepError { Code = code, Message = message, Retryable = retryable };
        if (details is not null)
        {
            error.Details = details;
        }

        var response = new ExecuteStepResponse { Error = error };
        if (retryAfter is { } delay)
        {
            response.RetryAfter = Duration.FromTimeSpan(delay);
        }

        return response;
    }

    private static string Describe(Exception ex) =>
        ex is TargetInvocationException { InnerException: { } inner } ? Describe(inner) : ex.Message;
}
