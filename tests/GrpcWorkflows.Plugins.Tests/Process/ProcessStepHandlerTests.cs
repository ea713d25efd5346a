using GrpcWorkflows.Executor;
using GrpcWorkflows.Plugins.Process;
using GrpcWorkflows.Plugins.Tests.Infrastructure;
using GrpcWorkflows.Testing;

namespace GrpcWorkflows.Plugins.Tests.Process;

public sealed class ProcessStepHandlerTests
{
    private const string Orders = """
        {"items": [
          {"id": 1, "region": "EU", "amount": 30, "customer": {"name": " ada "}},
          {"id": 2, "region": "US", "amount": 5,  "customer": {"name": "bob"}},
          {"id": 3, "region": "EU", "amount": 12, "customer": {"name": "cy"}},
          {"id": 1, "region": "EU", "amount": 30, "customer": {"name": " ada "}}
        ]}
        """;

    private static async Task<string> RunAsync(string inputJson, params (string, string)[] dependencies) =>
        Steps.Json(await new ProcessStepHandler().ExecuteAsync(Steps.Context("process", inputJson, dependencies), CancellationToken.None).DefaultTimeout());

    private static async Task<StepFailedException> FailAsync(string inputJson, params (string, string)[] dependencies) =>
        await Assert.ThrowsAsync<StepFailedException>(async () =>
            await new ProcessStepHandler().ExecuteAsync(Steps.Context("process", inputJson, dependencies), CancellationToken.None));

    private static string Rules(string rules) => $$"""{"rules": {{rules}}}""";

    [Fact]
    public async Task Execute_SetCopyingAnObjectIntoItselfRepeatedly_ResourceExhaustedNamingTheRule()
    {
        // Each rule doubles the data: 621 bytes became 32 MiB with 15 rules; 16 rules here would build 39 MiB.
        var payload = new string('x', 600);
        var rules = string.Join(", ", Enumerable.Range(0, 16).Select(i => "{\"type\": \"set\", \"field\": \"o.c" + i + "\", \"from\": \"o\"}"));

        var ex = await Assert.ThrowsAsync<StepFailedException>(async () =>
            await new ProcessStepHandler().ExecuteAsync(Steps.Context("process", "{\"o\": {\"p\": \"" + payload + "\"}, \"rules\": [" + rules + "]}"), CancellationToken.None).AsTask().DefaultTimeout());

        Assert.Equal("RESOURCE_EXHAUSTED", ex.Code);
        Assert.False(ex.IsRetryable);
        Assert.Matches(@"rules\[\d+\] \(set\)", ex.Message);
    }

    [Fact]
    public async Task Execute_MapOverManyItemsWithNestedCopies_ResourceExhausted()
    {
        var items = string.Join(", ", Enumerable.Range(0, 100).Select(_ => "{\"o\": {\"p\": \"" + new string('y', 100) + "\"}}"));
        var inner = string.Join(", ", Enumerable.Range(0, 10).Select(i => "{\"type\": \"set\", \"field\": \"o.c" + i + "\", \"from\": \"o\"}"));

        var ex = await Assert.ThrowsAsync<StepFailedException>(async () =>
            await new ProcessStepHandler().ExecuteAsync(Steps.Context("process", "{\"items\": [" + items + "], \"rules\": [{\"type\": \"map\", \"rules\": [" + inner + "]}]}"), CancellationToken.None).AsTask().DefaultTimeout());

        Assert.Equal("RESOURCE_EXHAUSTED", ex.Code);
    }

    [Fact]
    public async Task Execute_MoreRulesThanTheLimit_InvalidArgument()
    {
        var rules = string.Join(", ", Enumerable.Repeat("""{"type": "set", "field": "x", "value": 1}""", 257));

        var ex = await FailAsync(Rules($"[{rules}]"));

        Assert.Equal("INVALID_ARGUMENT", ex.Code);
        Assert.Contains("the limit is 256", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_SeedSimpleWorkflow_UppercasesMessage()
    {
        var output = await RunAsync(
            """{"rules": [{"type": "transform", "field": "message", "operation": "uppercase"}]}""",
            ("collect_data", """{"message": "hello"}"""));

        Assert.Equal(Steps.Canonical("""{"message": "HELLO"}"""), output);
    }

    [Fact]
    public async Task Execute_NoRules_ReturnsMergedDependencyData()
    {
        Assert.Equal(Steps.Canonical("""{"value": 1}"""), await RunAsync("{}", ("input_a", """{"value": 1}""")));
    }

    [Fact]
    public async Task Execute_TwoDependenciesAndInputFields_MergedInStepIdOrderThenInput()
    {
        var output = await RunAsync(
            """{"extra": true, "b": "from input"}""",
            ("z_step", """{"a": "z", "b": "z"}"""),
            ("a_step", """{"a": "a", "only_a": 1}"""));

        Assert.Equal(Steps.Canonical("""{"a": "z", "only_a": 1, "b": "from input", "extra": true}"""), output);
    }

    [Theory]
    [InlineData("\"Hello\"", "uppercase", "\"HELLO\"")]
    [InlineData("\"Hello\"", "lowercase", "\"hello\"")]
    [InlineData("\"  hi  \"", "trim", "\"hi\"")]
    [InlineData("2.5", "round", "3")]
    [InlineData("-2.5", "round", "-3")]
    [InlineData("2.7", "floor", "2")]
    [InlineData("2.1", "ceil", "3")]
    [InlineData("-4", "abs", "4")]
    [InlineData("4", "negate", "-4")]
    [InlineData("\" 12.5 \"", "to_number", "12.5")]
    [InlineData("true", "to_number", "1")]
    [InlineData("12.5", "to_string", "\"12.5\"")]
    [InlineData("false", "to_string", "\"false\"")]
    [InlineData("\"yes\"", "to_boolean", "true")]
    [InlineData("0", "to_boolean", "false")]
    [InlineData("\"abc\"", "length", "3")]
    [InlineData("[1, 2]", "length", "2")]
    [InlineData("\"abc\"", "reverse", "\"cba\"")]
    [InlineData("[1, 2]", "reverse", "[2, 1]")]
    [InlineData("\"a,b\"", "split", "[\"a\", \"b\"]")]
    [InlineData("[\"a\", 1]", "join", "\"a,1\"")]
    public async Task Execute_TransformOperation_Applied(string value, string operation, string expected)
    {
        var output = await RunAsync($$"""{"v": {{value}}, "rules": [{"type": "transform", "field": "v", "operation": "{{operation}}"}]}""");

        Assert.Equal(Steps.Canonical($$"""{"v": {{expected}}}"""), output);
    }

    [Fact]
    public async Task Execute_RoundWithDigitsIntoTarget_KeepsSource()
    {
        var output = await RunAsync("""{"price": 3.14159, "rules": [{"type": "transform", "field": "price", "operation": "round", "digits": 2, "target": "display.price"}]}""");

        Assert.Equal(Steps.Canonical("""{"price": 3.14159, "display": {"price": 3.14}}"""), output);
    }

    [Fact]
    public async Task Execute_TransformOnDottedPath_Applied()
    {
        var output = await RunAsync("""{"customer": {"name": " ada "}, "rules": [{"type": "transform", "field": "customer.name", "operation": "trim"}]}""");

        Assert.Equal(Steps.Canonical("""{"customer": {"name": "ada"}}"""), output);
    }

    [Fact]
    public async Task Execute_TransformWrongType_FailsNamingRuleAndField()
    {
        var ex = await FailAsync("""{"n": 5, "rules": [{"type": "set", "field": "x", "value": 1}, {"type": "transform", "field": "n", "operation": "uppercase"}]}""");

        Assert.Equal("INVALID_ARGUMENT", ex.Code);
        Assert.StartsWith("rules[1] (transform): field 'n' is a number, not a string", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_TransformMissingField_Fails()
    {
        var ex = await FailAsync("""{"rules": [{"type": "transform", "field": "nope", "operation": "trim"}]}""");

        Assert.Equal("rules[0] (transform): field 'nope' not found.", ex.Message);
    }

    [Fact]
    public async Task Execute_ToNumberOfText_Fails()
    {
        var ex = await FailAsync("""{"v": "abc", "rules": [{"type": "transform", "field": "v", "operation": "to_number"}]}""");

        Assert.Contains("\"abc\", which is not a number", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_SetRenameRemove_Applied()
    {
        var output = await RunAsync("""
            {"a": 1, "b": {"c": 2}, "secret": "x", "other": "y",
             "rules": [
               {"type": "set", "field": "status.code", "value": {"ok": true}},
               {"type": "set", "field": "copy", "from": "b.c"},
               {"type": "rename", "from": "a", "to": "renamed.a"},
               {"type": "remove", "field": "secret"},
               {"type": "remove", "fields": ["other", "not_there"]}
             ]}
            """);

        Assert.Equal(Steps.Canonical("""{"b": {"c": 2}, "status": {"code": {"ok": true}}, "copy": 2, "renamed": {"a": 1}}"""), output);
    }

    [Fact]
    public async Task Execute_RenameMissingField_Fails()
    {
        var ex = await FailAsync("""{"rules": [{"type": "rename", "from": "x", "to": "y"}]}""");

        Assert.Equal("rules[0] (rename): field 'x' not found.", ex.Message);
    }

    [Theory]
    [InlineData("\"op\": \"eq\", \"field\": \"region\", \"value\": \"EU\"", "[1, 3, 1]")]
    [InlineData("\"op\": \"ne\", \"field\": \"region\", \"value\": \"EU\"", "[2]")]
    [InlineData("\"op\": \"gt\", \"field\": \"amount\", \"value\": 12", "[1, 1]")]
    [InlineData("\"op\": \"gte\", \"field\": \"amount\", \"value\": 12", "[1, 3, 1]")]
    [InlineData("\"op\": \"lt\", \"field\": \"amount\", \"value\": 12", "[2]")]
    [InlineData("\"op\": \"lte\", \"field\": \"amount\", \"value\": 12", "[2, 3]")]
    [InlineData("\"op\": \"contains\", \"field\": \"customer.name\", \"value\": \"b\"", "[2]")]
    [InlineData("\"op\": \"in\", \"field\": \"id\", \"value\": [2, 3]", "[2, 3]")]
    [InlineData("\"op\": \"exists\", \"field\": \"customer.name\"", "[1, 2, 3, 1]")]
    [InlineData("\"op\": \"exists\", \"field\": \"missing\", \"value\": false", "[1, 2, 3, 1]")]
    [InlineData("\"op\": \"starts_with\", \"field\": \"customer.name\", \"value\": \"c\"", "[3]")]
    [InlineData("\"op\": \"ends_with\", \"field\": \"customer.name\", \"value\": \"b\"", "[2]")]
    [InlineData("\"op\": \"gt\", \"field\": \"region\", \"value\": 1", "[]")]
    public async Task Execute_FilterOperator_KeepsMatchingItems(string condition, string expectedIds)
    {
        var output = await RunAsync(Orders[..^1] + $$""", "rules": [{"type": "filter", {{condition}}}, {"type": "map", "rules": [{"type": "set", "field": "customer", "value": null}]}]}""");

        var ids = System.Text.Json.Nodes.JsonNode.Parse(output)!["items"]!.AsArray().Select(i => i!["id"]!.GetValue<double>());
        Assert.Equal(System.Text.Json.Nodes.JsonNode.Parse(expectedIds)!.AsArray().Select(i => i!.GetValue<double>()), ids);
    }

    [Fact]
    public async Task Execute_FilterAllAndAny_CombinesTests()
    {
        var output = await RunAsync(Orders[..^1] + """
            , "rules": [
              {"type": "filter", "all": [
                {"field": "region", "op": "eq", "value": "EU"},
                {"any": [{"field": "amount", "op": "lt", "value": 20}, {"field": "id", "op": "eq", "value": 1}]}]},
              {"type": "dedupe", "by": "id"},
              {"type": "map", "rules": [{"type": "remove", "fields": ["customer", "region", "amount"]}]}]}
            """);

        Assert.Equal(Steps.Canonical("""{"items": [{"id": 1}, {"id": 3}]}"""), output);
    }

    [Fact]
    public async Task Execute_FilterMixingTestAndAll_InvalidArgumentNamingNestedLocation()
    {
        var ex = await FailAsync(Rules("""
            [{"type": "filter", "field": "a", "op": "eq", "value": 1, "all": []},
             {"type": "filter", "any": [{"field": "a", "op": "near", "value": 1}]}]
            """));

        Assert.Contains("rules[0].all: give either one test", ex.Message, StringComparison.Ordinal);
        Assert.Contains("rules[1].any[0].op: unknown op 'near'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_FilterScalarListIntoTarget_KeepsOriginal()
    {
        var output = await RunAsync("""{"nums": [1, 5, 10], "rules": [{"type": "filter", "list": "nums", "op": "gte", "value": 5, "target": "big"}]}""");

        Assert.Equal(Steps.Canonical("""{"nums": [1, 5, 10], "big": [5, 10]}"""), output);
    }

    [Fact]
    public async Task Execute_MapNestedRules_AppliedToEachItem()
    {
        var output = await RunAsync("""
            {"items": [{"name": " a "}, {"name": "b "}],
             "rules": [{"type": "map", "rules": [
               {"type": "transform", "field": "name", "operation": "trim"},
               {"type": "transform", "field": "name", "operation": "uppercase"},
               {"type": "set", "field": "seen", "value": true}]}]}
            """);

        Assert.Equal(Steps.Canonical("""{"items": [{"name": "A", "seen": true}, {"name": "B", "seen": true}]}"""), output);
    }

    [Fact]
    public async Task Execute_MapOverScalars_FailsNamingTheItem()
    {
        var ex = await FailAsync("""{"items": [{"a": 1}, 2], "rules": [{"type": "map", "rules": [{"type": "remove", "field": "a"}]}]}""");

        Assert.Contains("item 1 of 'items' is a number", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_AggregateWithoutGroup_WritesEachOperation()
    {
        var output = await RunAsync(Orders[..^1] + """
            , "rules": [
              {"type": "aggregate", "operation": "count"},
              {"type": "aggregate", "operation": "sum", "field": "amount"},
              {"type": "aggregate", "operation": "avg", "field": "amount", "target": "stats.avg"},
              {"type": "aggregate", "operation": "min", "field": "amount", "as": "lowest"},
              {"type": "aggregate", "operation": "max", "field": "amount"},
              {"type": "remove", "field": "items"}]}
            """);

        Assert.Equal(Steps.Canonical("""{"count": 4, "sum_amount": 77, "stats": {"avg": 19.25}, "lowest": 5, "max_amount": 30}"""), output);
    }

    [Fact]
    public async Task Execute_AggregateGroupByWithMetrics_OneRowPerGroupInFirstSeenOrder()
    {
        var output = await RunAsync(Orders[..^1] + """
            , "rules": [
              {"type": "aggregate", "group_by": "region", "target": "by_region",
               "metrics": [{"operation": "count"}, {"operation": "sum", "field": "amount", "as": "total"}, {"operation": "avg", "field": "missing"}]},
              {"type": "remove", "field": "items"}]}
            """);

        Assert.Equal(Steps.Canonical("""
            {"by_region": [
              {"region": "EU", "count": 3, "total": 72, "avg_missing": null},
              {"region": "US", "count": 1, "total": 5, "avg_missing": null}]}
            """), output);
    }

    [Fact]
    public async Task Execute_AggregateOverText_FailsNamingItemAndField()
    {
        var ex = await FailAsync("""{"items": [{"a": 1}, {"a": "2"}], "rules": [{"type": "aggregate", "operation": "sum", "field": "a"}]}""");

        Assert.StartsWith("rules[0] (aggregate): item 1: 'a' is a string", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_SortByFieldDescending_StableWithMissingLast()
    {
        var output = await RunAsync("""
            {"items": [{"id": "a", "n": 2}, {"id": "b"}, {"id": "c", "n": 10}, {"id": "d", "n": 2}],
             "rules": [{"type": "sort", "by": "n", "order": "desc"}]}
            """);

        Assert.Equal(Steps.Canonical("""{"items": [{"id": "c", "n": 10}, {"id": "a", "n": 2}, {"id": "d", "n": 2}, {"id": "b"}]}"""), output);
    }

    [Fact]
    public async Task Execute_SortScalars_Ascending()
    {
        Assert.Equal(
            Steps.Canonical("""{"items": ["a", "b", "c"]}"""),
            await RunAsync("""{"items": ["c", "a", "b"], "rules": [{"type": "sort"}]}"""));
    }

    [Fact]
    public async Task Execute_DedupeByFieldsAndWhole_KeepsFirst()
    {
        var output = await RunAsync(Orders[..^1] + """
            , "rules": [
              {"type": "dedupe", "by": ["region"], "target": "regions"},
              {"type": "dedupe"},
              {"type": "aggregate", "operation": "count"}, {"type": "remove", "field": "items"},
              {"type": "map", "list": "regions", "rules": [{"type": "remove", "fields": ["customer", "amount"]}]}]}
            """);

        Assert.Equal(Steps.Canonical("""{"regions": [{"id": 1, "region": "EU"}, {"id": 2, "region": "US"}], "count": 3}"""), output);
    }

    [Fact]
    public async Task Execute_Limit_KeepsSlice()
    {
        Assert.Equal(
            Steps.Canonical("""{"items": [2, 3]}"""),
            await RunAsync("""{"items": [1, 2, 3, 4], "rules": [{"type": "limit", "count": 2, "offset": 1}]}"""));
    }

    [Fact]
    public async Task Execute_UnknownOperation_NamesItAndItsIndex()
    {
        var ex = await FailAsync(Rules("""
            [{"type": "set", "field": "a", "value": 1},
             {"type": "set", "field": "b", "value": 2},
             {"type": "transform", "field": "a", "operation": "foo"}]
            """));

        Assert.Equal("INVALID_ARGUMENT", ex.Code);
        Assert.False(ex.IsRetryable);
        Assert.StartsWith("rules[2].operation: unknown operation 'foo'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_SeveralInvalidRules_EveryProblemReportedAndNothingRuns()
    {
        var ex = await FailAsync(Rules("""
            [{"type": "explode"},
             {"type": "filter", "field": "a", "op": "like", "value": 1},
             {"type": "map", "rules": [{"type": "transform", "field": "x", "operation": "shout"}]},
             {"type": "aggregate", "operation": "median", "field": "a"},
             {"type": "sort", "order": "sideways"},
             {"type": "set", "field": "a"},
             {"type": "transform", "field": "a", "operation": "trim", "colour": "red"},
             {"field": "a"},
             "not an object"]
            """));

        var details = ex.Details!.Fields["violations"].ListValue.Values.Select(v => v.StructValue.Fields["field"].StringValue).ToList();
        Assert.Equal(
            ["rules[0].type", "rules[1].op", "rules[2].rules[0].operation", "rules[3].operation", "rules[4].order", "rules[5].value", "rules[6].colour", "rules[7].type", "rules[8]"],
            details);
        Assert.Contains("unknown rule type 'explode'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unknown op 'like'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_RulesNotAList_InvalidArgument()
    {
        var ex = await FailAsync("""{"rules": {"type": "set"}}""");

        Assert.Equal("rules: must be a list of rules.", ex.Message);
    }
}
