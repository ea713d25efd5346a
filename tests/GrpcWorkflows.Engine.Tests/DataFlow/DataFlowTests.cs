using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.Engine.Tests.Infrastructure;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Engine.Tests.DataFlow;

public sealed class DataFlowTests
{
    private static readonly Struct AOutput = Json("""{"count": 3, "items": [{"name": "first"}, {"name": "second"}], "meta": {"ok": true}}""");

    private static async Task<(EngineHarness Harness, string Id)> RunAsync(string bInput, Struct? workflowInput = null)
    {
        var h = await EngineHarness.StartAsync(r => AttemptScript.Succeed(1, r.StepId == "a" ? AOutput : new Struct()));
        var definition = Define(S("a"), S("b", "a"));
        definition.Steps["b"].Input = Json(bInput);
        var id = await h.SubmitAsync(definition, workflowInput);
        await h.RunUntilIdleAsync();
        return (h, id);
    }

    [Fact]
    public async Task Request_CarriesDirectDependencyOutputsKeyedByStepId()
    {
        var (h, _) = await RunAsync("{}");
        await using var _h = h;

        var b = h.Dispatcher.Requests.Single(r => r.StepId == "b");
        Assert.Equal(AOutput, b.Dependencies["a"]);
        Assert.Equal("work", b.StepType);
        Assert.Equal(1, b.Attempt);
        Assert.EndsWith(":b", b.IdempotencyKey, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WholeValueReference_KeepsItsJsonType()
    {
        var (h, _) = await RunAsync("""{"n": "{{ steps.a.output.count }}", "list": "{{steps.a.output.items}}", "obj": "{{ steps.a.output.meta }}", "first": "{{ steps.a.output.items[1].name }}", "dotted": "{{ steps.a.output.items.0.name }}"}""");
        await using var _h = h;

        var input = h.Dispatcher.Requests.Single(r => r.StepId == "b").Input;
        Assert.Equal(3, input.Fields["n"].NumberValue);
        Assert.Equal(2, input.Fields["list"].ListValue.Values.Count);
        Assert.True(input.Fields["obj"].StructValue.Fields["ok"].BoolValue);
        Assert.Equal("second", input.Fields["first"].StringValue);
        Assert.Equal("first", input.Fields["dotted"].StringValue);
    }

    [Fact]
    public async Task ReferenceInsideText_IsInterpolated()
    {
        var (h, _) = await RunAsync("""{"msg": "got {{ steps.a.output.count }} items, ok={{ steps.a.output.meta.ok }}, user {{ workflow.input.user }}, meta {{ steps.a.output.meta }}"}""", Json("""{"user": "ada"}"""));
        await using var _h = h;

        var input = h.Dispatcher.Requests.Single(r => r.StepId == "b").Input;
        Assert.Equal("""got 3 items, ok=true, user ada, meta { "ok": true }""", input.Fields["msg"].StringValue);
    }

    [Fact]
    public async Task WorkflowInputReference_ResolvesFromTheSubmittedInput()
    {
        var (h, _) = await RunAsync("""{"limits": "{{ workflow.input.limits }}"}""", Json("""{"limits": {"max": 7}}"""));
        await using var _h = h;

        var b = h.Dispatcher.Requests.Single(r => r.StepId == "b");
        Assert.Equal(7, b.Input.Fields["limits"].StructValue.Fields["max"].NumberValue);
        Assert.Equal(Json("""{"limits": {"max": 7}}"""), b.WorkflowInput);
    }

    [Fact]
    public async Task MissingPath_FailsTheStepWithAClearMessageWithoutDispatching()
    {
        var (h, id) = await RunAsync("""{"deep": {"x": "{{ steps.a.output.meta.missing.value }}"}}""");
        await using var _h = h;

        Assert.DoesNotContain(h.Dispatcher.Requests, r => r.StepId == "b");
        var b = (await h.GetAsync(id)).Steps.Single(s => s.StepId == "b");
        Assert.Equal(StepState.Failed, b.State);
        Assert.Equal("INVALID_ARGUMENT", b.Error.Code);
        Assert.False(b.Error.Retryable);
        Assert.Equal("input.deep.x: '{{ steps.a.output.meta.missing.value }}' cannot be resolved: the output of step 'a' has no value at 'meta.missing'", b.Error.Message);
    }

    [Fact]
    public async Task StepIdWithDots_IsResolved()
    {
        await using var h = await EngineHarness.StartAsync(r => AttemptScript.Succeed(1, Json("""{"v": 5}""")));
        var definition = Define(S("load.v1"), S("use", "load.v1"));
        definition.Steps["use"].Input = Json("""{"x": "{{ steps.load.v1.output.v }}"}""");
        await h.SubmitAsync(definition);

        await h.RunUntilIdleAsync();

        Assert.Equal(5, h.Dispatcher.Requests.Single(r => r.StepId == "use").Input.Fields["x"].NumberValue);
    }
}
