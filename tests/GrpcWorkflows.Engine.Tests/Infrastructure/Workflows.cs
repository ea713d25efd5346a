using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Tests.Infrastructure;

/// <summary>Small builders for definitions and structs.</summary>
internal static class Workflows
{
    public static WorkflowDefinition Define(params (string Id, string[] DependsOn)[] steps)
    {
        var definition = new WorkflowDefinition { Id = "test" };
        foreach (var (id, dependsOn) in steps)
        {
            var step = new StepDefinition { Type = "work" };
            step.DependsOn.AddRange(dependsOn);
            definition.Steps.Add(id, step);
        }

        return definition;
    }

    public static (string, string[]) S(string id, params string[] dependsOn) => (id, dependsOn);

    public static Struct Json(string json) => Struct.Parser.ParseJson(json);

    public static string ToJson(IMessage message) => JsonFormatter.Default.Format(message);
}
