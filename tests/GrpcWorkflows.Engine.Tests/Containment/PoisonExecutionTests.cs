using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Storage;
using GrpcWorkflows.Engine.Tests.Infrastructure;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Engine.Tests.Containment;

/// <summary>No execution can hurt the engine: what one execution carries fails that execution, never the engine.</summary>
public sealed class PoisonExecutionTests
{
    /// <summary>A struct holding a value with no kind set, as a client or an executor can send it.</summary>
    private static Struct Poison()
    {
        var inner = new Struct();
        inner.Fields["k"] = new Value();
        var poison = new Struct();
        poison.Fields["obj"] = Value.ForStruct(inner);
        return poison;
    }

    [Fact]
    public async Task Submit_UpstreamOutputWithUnsetValueInterpolated_StepFailsWithReasonAndEngineKeepsServing()
    {
        await using var h = await EngineHarness.StartAsync(r => AttemptScript.Succeed(1, r.StepId == "a" ? Poison() : new Struct()));
        var definition = Define(S("a"), S("b", "a"));
        definition.Steps["b"].Input = Json("""{"text": "x {{ steps.a.output.obj }}"}""");

        var id = await h.SubmitAsync(definition);
        await h.RunUntilIdleAsync();

        var execution = await h.GetAsync(id);
        Assert.Equal(ExecutionState.Failed, execution.State);
        var b = execution.Steps.Single(s => s.StepId == "b");
        Assert.Equal(StepState.Failed, b.State);
        Assert.Contains("input.text", b.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", b.Error.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Engine.ActiveExecutionCount);

        var healthy = await h.SubmitAsync(Define(S("a")));
        await h.RunUntilIdleAsync();
        Assert.Equal(ExecutionState.Succeeded, (await h.GetAsync(healthy)).State);
    }

    [Fact]
    public async Task Submit_WorkflowInputWithUnsetValueKind_RejectedWithFieldPath()
    {
        await using var h = await EngineHarness.StartAsync();
        var definition = Define(S("a"));
        definition.Steps["a"].Input = Json("""{"text": "x {{ workflow.input.obj }}"}""");

        var error = await Assert.ThrowsAsync<WorkflowValidationException>(() => h.SubmitAsync(definition, Poison()));

        Assert.Contains(error.Result.Problems, p => p.Field == "input.obj.k" && p.Description.Contains("no kind", StringComparison.Ordinal));
        Assert.Equal(0, h.Engine.ActiveExecutionCount);
    }

    [Fact]
    public async Task Start_RecoveredExecutionWhoseInputCannotBeResolved_StartsAndFailsTheExecutionWithReason()
    {
        var store = new InMemoryExecutionStore(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(EngineHarness.Epoch));
        var definition = Define(S("a"));
        definition.Steps["a"].Input = Json("""{"text": "x {{ workflow.input.obj }}"}""");
        var id = await WriteRunningExecutionAsync(store, definition, Poison());

        await using var h = new EngineHarness(store: store);
        await h.Engine.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await h.RunUntilIdleAsync();

        var execution = await h.GetAsync(id);
        Assert.Equal(ExecutionState.Failed, execution.State);
        Assert.Contains("input.text", execution.Error.Message, StringComparison.Ordinal);
        Assert.Equal(ExecutionState.Failed, (await store.GetAsync(id))!.State);
    }

    [Fact]
    public async Task Start_RecoveredExecutionWithDefinitionNoLongerValid_StartsAndRecordsTheFailure()
    {
        var store = new InMemoryExecutionStore(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(EngineHarness.Epoch));
        var definition = Define(S("a"));
        definition.Steps["a"].Input = Poison();
        var id = await WriteRunningExecutionAsync(store, definition, new Struct());

        await using var h = new EngineHarness(store: store);
        await h.Engine.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var record = await store.GetAsync(id);
        Assert.Equal(ExecutionState.Failed, record!.State);
        var execution = await h.GetAsync(id);
        Assert.Contains("could not be recovered", execution.Error.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Engine.ActiveExecutionCount);
    }

    [Theory]
    [InlineData(315_576_000_001L)]
    [InlineData(long.MaxValue)]
    [InlineData(-315_576_000_001L)]
    public async Task Validate_DurationOutsideProtobufRange_ProblemWithFieldPath(long seconds)
    {
        await using var h = await EngineHarness.StartAsync();
        var definition = Define(S("a"));
        definition.Steps["a"].Timeout = new Duration { Seconds = seconds };
        definition.DefaultTimeout = new Duration { Seconds = seconds };
        definition.Steps["a"].RetryPolicy = new RetryPolicy { MaxAttempts = 2, InitialBackoff = new Duration { Seconds = seconds } };

        var result = h.Engine.Validate(definition);

        Assert.False(result.IsValid);
        Assert.Contains(result.Problems, p => p.Field == "steps.a.timeout");
        Assert.Contains(result.Problems, p => p.Field == "default_timeout");
        Assert.Contains(result.Problems, p => p.Field == "steps.a.retry_policy.initial_backoff");
    }

    [Fact]
    public async Task Validate_StepInputWithUnsetKindOrNonFiniteNumber_ProblemsWithFieldPaths()
    {
        await using var h = await EngineHarness.StartAsync();
        var definition = Define(S("a"));
        var input = Poison();
        input.Fields["list"] = Value.ForList(Value.ForNumber(1), Value.ForNumber(double.NaN));
        definition.Steps["a"].Input = input;

        var result = h.Engine.Validate(definition);

        Assert.Contains(result.Problems, p => p.Field == "steps.a.input.obj.k");
        Assert.Contains(result.Problems, p => p.Field == "steps.a.input.list[1]" && p.Description.Contains("NaN", StringComparison.Ordinal));
    }

    /// <summary>Writes an execution as an older version left it: submitted, started, its first step READY.</summary>
    private static async Task<string> WriteRunningExecutionAsync(InMemoryExecutionStore store, WorkflowDefinition definition, Struct input)
    {
        var id = Guid.NewGuid().ToString("N");
        var now = Timestamp.FromDateTimeOffset(EngineHarness.Epoch);
        await store.CreateAsync(new ExecutionEvent { ExecutionId = id, Sequence = 1, Time = now, Submitted = new ExecutionSubmitted { Definition = definition, Input = input } });
        await store.AppendAsync(id, [
            new ExecutionEvent { ExecutionId = id, Sequence = 2, Time = now, Started = new ExecutionStarted() },
            new ExecutionEvent { ExecutionId = id, Sequence = 3, Time = now, StepReady = new StepReady { StepId = definition.Steps.Keys.First() } },
        ]);
        return id;
    }
}
