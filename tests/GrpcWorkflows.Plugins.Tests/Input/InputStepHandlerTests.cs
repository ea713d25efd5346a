using GrpcWorkflows.Executor;
using GrpcWorkflows.Plugins.Input;
using GrpcWorkflows.Plugins.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using Microsoft.Extensions.Options;

namespace GrpcWorkflows.Plugins.Tests.Input;

public sealed class InputStepHandlerTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    private async Task<string> RunAsync(string inputJson)
    {
        var handler = new InputStepHandler(Options.Create(new InputOptions { DataRoot = _root.Path }));
        return Steps.Json(await handler.ExecuteAsync(Steps.Context("input", inputJson), CancellationToken.None).DefaultTimeout());
    }

    private async Task<StepFailedException> FailAsync(string inputJson)
    {
        var handler = new InputStepHandler(Options.Create(new InputOptions { DataRoot = _root.Path }));
        return await Assert.ThrowsAsync<StepFailedException>(async () => await handler.ExecuteAsync(Steps.Context("input", inputJson), CancellationToken.None));
    }

    [Theory]
    [InlineData("^(a+)+$", "pattern")]
    [InlineData("^(a|aa)+$", "pattern")]
    [InlineData("^(a+)+$", "patternProperties")]
    public async Task Execute_CatastrophicPattern_InvalidArgumentInsteadOfBurningCpu(string pattern, string keyword)
    {
        // 40 characters: hours of backtracking without a timeout (30 took 13.7 s of CPU).
        var text = new string('a', 40) + "!";
        var schema = keyword == "pattern"
            ? "{\"type\": \"object\", \"properties\": {\"s\": {\"type\": \"string\", \"pattern\": \"" + pattern + "\"}}}"
            : "{\"type\": \"object\", \"patternProperties\": {\"" + pattern + "\": {\"type\": \"string\"}}}";
        var data = keyword == "pattern" ? $$"""{"s": "{{text}}"}""" : $$"""{"{{text}}": "v"}""";
        var handler = new InputStepHandler(Options.Create(new InputOptions { DataRoot = _root.Path }));

        var ex = await Assert.ThrowsAsync<StepFailedException>(async () =>
            await handler.ExecuteAsync(Steps.Context("input", $$"""{"data": {{data}}, "schema": {{schema}}}"""), CancellationToken.None).AsTask().DefaultTimeout());

        Assert.Equal("INVALID_ARGUMENT", ex.Code);
        Assert.Contains("catastrophic backtracking", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_HarmlessPattern_StillValidated()
    {
        var ex = await FailAsync("""{"data": {"s": "abc"}, "schema": {"type": "object", "properties": {"s": {"type": "string", "pattern": "^[0-9]+$"}}}}""");

        Assert.Equal("INVALID_ARGUMENT", ex.Code);
        Assert.Contains("$.s", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_SeedData_ReturnsTheDataObject()
    {
        Assert.Equal(Steps.Canonical("""{"message": "hello"}"""), await RunAsync("""{"data": {"message": "hello"}}"""));
    }

    [Fact]
    public async Task Execute_NoInput_ReturnsEmptyObject()
    {
        Assert.Equal("{ }", await RunAsync("{}"));
    }

    [Fact]
    public async Task Execute_DataMatchesSchema_ReturnsData()
    {
        var output = await RunAsync("""
            {"data": {"name": "Ada", "age": 36},
             "schema": {"type": "object", "required": ["name"], "properties": {"age": {"type": "integer", "minimum": 0}}}}
            """);

        Assert.Equal(Steps.Canonical("""{"name": "Ada", "age": 36}"""), output);
    }

    [Fact]
    public async Task Execute_SchemaViolations_ReportsEveryViolationWithItsPath()
    {
        var ex = await FailAsync("""
            {"data": {"age": -1, "tags": ["ok", 5]},
             "schema": {"type": "object", "required": ["name"],
                        "properties": {"age": {"type": "integer", "minimum": 0},
                                       "tags": {"type": "array", "items": {"type": "string"}}}}}
            """);

        Assert.Equal("INVALID_ARGUMENT", ex.Code);
        Assert.False(ex.IsRetryable);
        Assert.Contains("3 violations", ex.Message, StringComparison.Ordinal);
        Assert.Contains("$: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("name", ex.Message, StringComparison.Ordinal);
        Assert.Contains("$.age: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("$.tags[1]: ", ex.Message, StringComparison.Ordinal);
        var violations = ex.Details!.Fields["violations"].ListValue.Values;
        Assert.Equal(["$", "$.age", "$.tags[1]"], violations.Select(v => v.StructValue.Fields["path"].StringValue).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Execute_SchemaNotASchema_InvalidArgument()
    {
        var ex = await FailAsync("""{"data": {}, "schema": {"type": 12}}""");

        Assert.Equal("INVALID_ARGUMENT", ex.Code);
        Assert.StartsWith("schema: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_CsvSource_ReturnsTypedItemsMergedWithData()
    {
        _root.Write("orders.csv", "id,region,amount,paid,note\n1,EU,12.5,true,\"hello, world\"\n2,US,7,false,\n");

        var output = await RunAsync("""{"data": {"batch": "b1"}, "source": {"path": "orders.csv"}}""");

        Assert.Equal(Steps.Canonical("""
            {"items": [{"id": 1, "region": "EU", "amount": 12.5, "paid": true, "note": "hello, world"},
                       {"id": 2, "region": "US", "amount": 7, "paid": false, "note": null}],
             "batch": "b1"}
            """), output);
    }

    [Fact]
    public async Task Execute_CsvWithoutTypeInference_KeepsStrings()
    {
        _root.Write("in/a.txt", "code;qty\n007;3\n");

        var output = await RunAsync("""{"source": {"path": "in/a.txt", "format": "csv", "delimiter": ";", "infer_types": false}}""");

        Assert.Equal(Steps.Canonical("""{"items": [{"code": "007", "qty": "3"}]}"""), output);
    }

    [Fact]
    public async Task Execute_JsonLinesSource_ReturnsOneItemPerLine()
    {
        _root.Write("events.jsonl", "{\"n\": 1}\n\n{\"n\": 2}\n");

        Assert.Equal(Steps.Canonical("""{"items": [{"n": 1}, {"n": 2}]}"""), await RunAsync("""{"source": {"path": "events.jsonl"}}"""));
    }

    [Fact]
    public async Task Execute_JsonLinesBadLine_NamesTheLine()
    {
        _root.Write("events.jsonl", "{\"n\": 1}\n{oops\n");

        var ex = await FailAsync("""{"source": {"path": "events.jsonl"}}""");

        Assert.Contains("line 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_JsonObjectSource_FieldsMergedAndDataWins()
    {
        _root.Write("config.json", """{"region": "EU", "limit": 5}""");

        var output = await RunAsync("""{"data": {"limit": 10}, "source": {"path": "config.json"}}""");

        Assert.Equal(Steps.Canonical("""{"region": "EU", "limit": 10}"""), output);
    }

    [Fact]
    public async Task Execute_SchemaAppliesToSourceData()
    {
        _root.Write("rows.json", """[{"amount": 1}, {"amount": "x"}]""");

        var ex = await FailAsync("""
            {"source": {"path": "rows.json"},
             "schema": {"type": "object", "properties": {"items": {"type": "array", "items": {"properties": {"amount": {"type": "number"}}}}}}}
            """);

        Assert.Contains("$.items[1].amount: ", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../outside.csv")]
    [InlineData("sub/../../outside.csv")]
    [InlineData("/etc/passwd")]
    public async Task Execute_PathEscapingTheRoot_Refused(string path)
    {
        var ex = await FailAsync($$$"""{"source": {"path": "{{{path}}}", "format": "csv"}}""");

        Assert.Equal("INVALID_ARGUMENT", ex.Code);
        Assert.StartsWith("source.path: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_SymlinkPointingOutsideTheRoot_Refused()
    {
        using var outside = new TempFolder();
        outside.Write("secret.csv", "a\n1\n");
        File.CreateSymbolicLink(_root.Combine("link"), outside.Path);

        var ex = await FailAsync("""{"source": {"path": "link/secret.csv"}}""");

        Assert.Contains("outside the configured root", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_SymlinkInsideTheRoot_Followed()
    {
        _root.Write("real/rows.jsonl", "1\n2\n");
        File.CreateSymbolicLink(_root.Combine("alias"), _root.Combine("real"));

        Assert.Equal(Steps.Canonical("""{"items": [1, 2]}"""), await RunAsync("""{"source": {"path": "alias/rows.jsonl"}}"""));
    }

    [Fact]
    public async Task Execute_MissingFile_InvalidArgument()
    {
        var ex = await FailAsync("""{"source": {"path": "nope.json"}}""");

        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_UnknownFieldsAndBadData_EveryProblemReported()
    {
        var ex = await FailAsync("""{"dta": {}, "data": 5, "source": {"path": "a.csv", "colour": 1}}""");

        Assert.Contains("input.dta: unknown field", ex.Message, StringComparison.Ordinal);
        Assert.Contains("data: must be an object", ex.Message, StringComparison.Ordinal);
        Assert.Contains("source.colour: unknown field", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"source": {"path": "a.csv", "delimiter": 5}}""", "source.delimiter")]
    [InlineData("""{"source": {"path": "a.csv", "infer_types": "yes"}}""", "source.infer_types")]
    [InlineData("""{"source": {"path": 7}}""", "source.path")]
    [InlineData("""{"source": {"path": "a.csv", "format": 1}}""", "source.format")]
    public async Task Execute_SourceSettingOfWrongType_InvalidArgumentNamingIt(string input, string field)
    {
        _root.Write("a.csv", "x\n1\n");

        var ex = await FailAsync(input);

        Assert.Equal("INVALID_ARGUMENT", ex.Code);
        Assert.StartsWith(field + ": ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_UnknownFormat_InvalidArgument()
    {
        var ex = await FailAsync("""{"source": {"path": "a.xml"}}""");

        Assert.Contains("cannot tell the format", ex.Message, StringComparison.Ordinal);
    }
}
