using System.Text.Json.Nodes;
using Google.Protobuf;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Examples.Tests;

/// <summary>The examples that run on a fresh machine (no chat provider), end to end on the real executors.</summary>
public sealed class LocalExamplesTests(LocalStackFixture fixture) : IClassFixture<LocalStackFixture>
{
    private static readonly string[] Branches = ["average", "extremes", "per_sensor"];
    private static readonly string[] Loads = ["load_a", "load_b", "load_c"];

    private ProductStack Stack => fixture.Stack;

    [Fact]
    public void ExamplesFolder_EveryWorkflowFile_HasATestInThisProject()
    {
        string[] tested = ["simple_workflow.json", "parallel_workflow.json", "etl_sales.yaml", "fanout_sensor_stats.json", "ticket_triage.json", "ai_summary_chat.json", "text_report_mixed.json", "human_approval.json", "for_each_regions.json", "flow_control.json"];

        var files = Directory.EnumerateFiles(RepositoryPaths.Examples)
            .Where(f => f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
            .Select(Path.GetFileName);

        Assert.Equal(tested.Order(), files.Order());
    }

    [Fact]
    public async Task FlowControl_RateLimitAndConcurrencyKey_TheThirdLoadWaitsAndTheProcessingStepsTakeTurns()
    {
        var execution = await Stack.RunAsync(ExampleFiles.Load("flow_control.json"));

        Assert.True(execution.State == ExecutionState.Succeeded, Stack.Logs);
        var steps = execution.StepsById();
        var loads = Loads.Select(id => steps[id].StartTime.ToDateTimeOffset()).Order().ToList();
        Assert.True(loads[2] - loads[0] >= TimeSpan.FromMilliseconds(900), $"the third load started {loads[2] - loads[0]} after the first; the rate limit is 2 per second");
        var (first, second) = (steps["process_urgent"], steps["process_batch"]);
        Assert.True(first.EndTime.ToDateTimeOffset() <= second.StartTime.ToDateTimeOffset() || second.EndTime.ToDateTimeOffset() <= first.StartTime.ToDateTimeOffset(), "the processing steps share the key 'cpu' of 1: they never overlap");
    }

    [Fact]
    public async Task EtlSales_CsvThroughFilterAndAggregate_WritesRevenuePerRegionFile()
    {
        var execution = await Stack.RunAsync(ExampleFiles.Load("etl_sales.yaml"));

        Assert.True(execution.State == ExecutionState.Succeeded, Stack.Logs);
        var expected = JsonNode.Parse("""
            [{"region": "north", "revenue": 220, "orders": 2},
             {"region": "east", "revenue": 210, "orders": 2},
             {"region": "south", "revenue": 100, "orders": 2}]
            """);
        var regions = JsonNode.Parse(JsonFormatter.Default.Format(execution.StepsById()["revenue_by_region"].Output))!["regions"];
        Assert.True(JsonNode.DeepEquals(expected, regions), regions?.ToJsonString());

        var written = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Stack.OutputRoot, "revenue_by_region.json")));
        Assert.True(JsonNode.DeepEquals(expected, written), written?.ToJsonString());
        Assert.Equal(6, execution.StepsById()["paid_only"].Output.Fields["items"].ListValue.Values.Count);
    }

    [Fact]
    public async Task ForEachRegions_OneItemPerRegion_OutputListsTheRegionsInOrder()
    {
        var execution = await Stack.RunAsync(ExampleFiles.Load("for_each_regions.json"));

        Assert.True(execution.State == ExecutionState.Succeeded, Stack.Logs);
        var each = execution.StepsById()["per_region"];
        Assert.Equal((3, 3, 0), (each.ForEach.Total, each.ForEach.Succeeded, each.ForEach.Failed));
        var expected = JsonNode.Parse("""
            [{"region": "north", "position": 0, "revenue": 220},
             {"region": "east", "position": 1, "revenue": 210},
             {"region": "south", "position": 2, "revenue": 100}]
            """);
        var items = JsonNode.Parse(JsonFormatter.Default.Format(each.Output))!["items"];
        Assert.True(JsonNode.DeepEquals(expected, items), items?.ToJsonString());
        var result = execution.StepsById()["report"].Output.Fields["result"].StructValue.Fields;
        Assert.Equal("First region: north", result["first"].StringValue);
        Assert.Equal(3, result["regions"].ListValue.Values.Count);
    }

    [Fact]
    public async Task FanoutSensorStats_ThreeParallelAggregations_JoinKeepsTypesAndInterpolates()
    {
        var execution = await Stack.RunAsync(ExampleFiles.Load("fanout_sensor_stats.json"));

        Assert.True(execution.State == ExecutionState.Succeeded, Stack.Logs);
        var steps = execution.StepsById();
        var joinStart = steps["report"].StartTime.ToDateTime();
        Assert.All(Branches, id => Assert.True(joinStart >= steps[id].EndTime.ToDateTime()));

        var result = steps["report"].Output.Fields["result"].StructValue.Fields;
        Assert.Equal(15.0, result["average"].NumberValue, 6);
        Assert.Equal(-2.0, result["coldest"].NumberValue);
        Assert.Equal(25.0, result["warmest"].NumberValue);
        Assert.Equal("lab", result["warmest_sensor"].StringValue);
        Assert.Equal("Warmest sensor: lab", result["headline"].StringValue);
    }

    [Fact]
    public async Task HumanApproval_SignalWithAPayloadThatFitsTheSchema_ApprovesAndShips()
    {
        var submitted = await Stack.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = ExampleFiles.Load("human_approval.json") });
        var id = submitted.ExecutionId;
        using (var watch = Stack.Workflows.WatchExecution(new WatchExecutionRequest { ExecutionId = id }))
        {
            while (await watch.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)))
            {
                if (watch.ResponseStream.Current.Event.StepSuspended is { Signal: "approval" })
                {
                    break;
                }
            }
        }

        var waiting = (await Stack.Workflows.GetExecutionAsync(new GetExecutionRequest { ExecutionId = id })).Execution.StepsById()["approve"];
        Assert.Equal(StepState.Suspended, waiting.State);
        Assert.Equal("approval", waiting.Signal);

        var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await Stack.Workflows.SignalExecutionAsync(new SignalExecutionRequest { ExecutionId = id, Name = "approval", Payload = Google.Protobuf.WellKnownTypes.Struct.Parser.ParseJson("""{"approved": "yes"}""") }));
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("schema", refused.Status.Detail, StringComparison.Ordinal);

        var signalled = await Stack.Workflows.SignalExecutionAsync(new SignalExecutionRequest { ExecutionId = id, Name = "approval", Payload = Google.Protobuf.WellKnownTypes.Struct.Parser.ParseJson("""{"approved": true, "by": "ada"}""") });
        Assert.Equal(["approve"], signalled.StepIds);

        var execution = await Stack.WaitForEndAsync(id);
        Assert.True(execution.State == ExecutionState.Succeeded, Stack.Logs);
        var steps = execution.StepsById();
        Assert.Equal("ada", steps["approve"].Output.Fields["by"].StringValue);
        Assert.Equal("shipped", steps["ship"].Output.Fields["status"].StringValue);
        Assert.Equal("A-1001", steps["ship"].Output.Fields["order_id"].StringValue);
        Assert.Equal(StepState.Skipped, steps["reject"].State);
        Assert.Equal(StepState.Skipped, steps["escalate"].State);
        Assert.Contains("is false", steps["escalate"].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TicketTriage_LocalModel_ClassifiesEachTicketByTopic()
    {
        var execution = await Stack.RunAsync(ExampleFiles.Load("ticket_triage.json"));

        Assert.True(execution.State == ExecutionState.Succeeded, Stack.Logs);
        var classify = execution.StepsById()["classify"].Output;
        Assert.Equal("local", classify.Fields["provider"].StringValue);
        var labels = classify.Fields["results"].ListValue.Values.Select(v => v.StructValue.Fields["label"].StringValue).ToList();
        Assert.Equal(["billing", "bug", "feature_request"], labels);
        var counts = classify.Fields["counts"].StructValue.Fields;
        Assert.Equal(1, counts["billing"].NumberValue);
        Assert.Equal(1, counts["bug"].NumberValue);
        Assert.Equal(1, counts["feature_request"].NumberValue);
    }

    [Fact]
    public async Task TextReportMixed_NodeAndCSharpExecutorsInParallel_JoinCombinesTheirOutputs()
    {
        var execution = await Stack.RunAsync(ExampleFiles.Load("text_report_mixed.json"));

        Assert.True(execution.State == ExecutionState.Succeeded, Stack.Logs);
        var steps = execution.StepsById();
        var result = steps["report"].Output.Fields["result"].StructValue.Fields;
        Assert.Equal(steps["stats"].Output.Fields["words"].NumberValue, result["words"].NumberValue);
        Assert.Equal(51, result["words"].NumberValue);
        Assert.Equal(1, result["keywords"].StructValue.Fields["scheduling"].NumberValue);
        Assert.Equal(1, result["keywords"].StructValue.Fields["retries"].NumberValue);
        var summary = result["summary"].StringValue;
        Assert.DoesNotContain("weather", summary, StringComparison.OrdinalIgnoreCase);
        Assert.NotEmpty(summary);
    }
}
