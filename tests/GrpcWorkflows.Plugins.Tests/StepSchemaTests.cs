using System.Text.Json.Nodes;
using GrpcWorkflows.Plugins.Input;
using GrpcWorkflows.Plugins.Input.Validation;
using GrpcWorkflows.Plugins.Output;
using GrpcWorkflows.Plugins.Process;

namespace GrpcWorkflows.Plugins.Tests;

/// <summary>The input schemas published by DescribeExecutor are valid JSON Schemas that accept real step inputs.</summary>
public sealed class StepSchemaTests
{
    [Theory]
    [InlineData("input", """{"data": {"message": "hello"}}""", true)]
    [InlineData("input", """{"source": {"path": "orders.csv", "format": "csv"}, "schema": {"type": "object"}}""", true)]
    [InlineData("input", """{"dta": {}}""", false)]
    [InlineData("process", """{"rules": [{"type": "transform", "field": "message", "operation": "uppercase"}]}""", true)]
    [InlineData("process", """{"rules": [{"type": "explode"}]}""", false)]
    [InlineData("output", """{"result": 1, "file": {"path": "a.json"}, "webhook": {"url": "https://x", "timeout": 5}, "log": true}""", true)]
    [InlineData("output", """{"file": {}}""", false)]
    public void Schema_StepInput_AcceptedOrRejected(string type, string input, bool valid)
    {
        var json = type switch
        {
            "input" => InputStepSchema.Json,
            "process" => ProcessStepSchema.Json,
            _ => OutputStepSchema.Json,
        };
        var (schema, error) = SchemaValidator.Load(JsonNode.Parse(json)!);

        Assert.Null(error);
        Assert.Equal(valid, SchemaValidator.Validate(schema!, JsonNode.Parse(input)).Count == 0);
    }
}
