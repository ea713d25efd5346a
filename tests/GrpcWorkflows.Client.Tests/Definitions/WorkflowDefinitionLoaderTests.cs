using GrpcWorkflows.Client.Definitions;

namespace GrpcWorkflows.Client.Tests.Definitions;

public sealed class WorkflowDefinitionLoaderTests
{
    private static string Example(string name) => Path.Combine(AppContext.BaseDirectory, "examples", name);

    [Fact]
    public void FromFile_SeedParallelWorkflow_ReadsEveryStepVerbatim()
    {
        var definition = WorkflowDefinitionLoader.FromFile(Example("parallel_workflow.json"));

        Assert.Equal("parallel_workflow", definition.Id);
        Assert.Equal(6, definition.Steps.Count);
        Assert.Equal(["process_a", "process_b"], definition.Steps["ai_analysis"].DependsOn);
        Assert.Equal("Analyze data", definition.Steps["ai_analysis"].Input.Fields["prompt"].StringValue);
    }

    [Fact]
    public void FromYaml_SameDocumentAsSeedJson_GivesAnEqualDefinition()
    {
        const string yaml = """
            id: simple_workflow
            steps:
              collect_data:
                type: input
                input:
                  data:
                    message: hello
                depends_on: []
              process_data:
                type: process
                input:
                  rules:
                    - type: transform
                      field: message
                      operation: uppercase
                depends_on: [collect_data]
            """;

        var fromYaml = WorkflowDefinitionLoader.FromYaml(yaml);
        var fromJson = WorkflowDefinitionLoader.FromFile(Example("simple_workflow.json"));

        Assert.Equal(fromJson, fromYaml);
    }

    [Fact]
    public void FromYaml_TypedScalars_KeepNumbersBooleansAndQuotedStrings()
    {
        const string yaml = """
            id: w
            steps:
              a:
                type: t
                max_retries: 2
                continue_on_failure: true
                timeout: 1.5s
                input: {n: 3, s: "3", b: false, z: null}
            """;

        var step = WorkflowDefinitionLoader.FromYaml(yaml).Steps["a"];

        Assert.Equal(2, step.MaxRetries);
        Assert.True(step.ContinueOnFailure);
        Assert.Equal(TimeSpan.FromSeconds(1.5), step.Timeout.ToTimeSpan());
        Assert.Equal(3, step.Input.Fields["n"].NumberValue);
        Assert.Equal("3", step.Input.Fields["s"].StringValue);
        Assert.False(step.Input.Fields["b"].BoolValue);
        Assert.Equal(Google.Protobuf.WellKnownTypes.Value.KindOneofCase.NullValue, step.Input.Fields["z"].KindCase);
    }

    [Fact]
    public void FromJson_DuplicateStepKey_IsReportedWithPathAndLine()
    {
        const string json = "{\n  \"id\": \"w\",\n  \"steps\": {\n    \"a\": {\"type\": \"t\"},\n    \"a\": {\"type\": \"u\"}\n  }\n}";

        var error = Assert.Throws<DefinitionFormatException>(() => WorkflowDefinitionLoader.FromJson(json));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("steps.a", problem.Field);
        Assert.Equal("duplicate key 'a' at line 5, column 5", problem.Description);
        Assert.Contains("steps.a: duplicate key 'a' at line 5, column 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromYaml_DuplicateStepKey_IsReportedWithPathAndLine()
    {
        const string yaml = "id: w\nsteps:\n  a:\n    type: t\n  a:\n    type: u\n";

        var error = Assert.Throws<DefinitionFormatException>(() => WorkflowDefinitionLoader.FromYaml(yaml));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("steps.a", problem.Field);
        Assert.Equal("duplicate key 'a' at line 5, column 3", problem.Description);
    }

    [Fact]
    public void FromJson_UnknownField_IsRejectedWithItsName()
    {
        var error = Assert.Throws<DefinitionFormatException>(
            () => WorkflowDefinitionLoader.FromJson("""{"id": "w", "steps": {"a": {"type": "t", "dependz": []}}}"""));

        Assert.Contains("dependz", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromYaml_SeveralShapeProblems_ReportsEveryOneWithItsPath()
    {
        const string yaml = """
            id: w
            steps:
              a:
                type: input
                dependson: [x]
                timeout: abc
                retry_policy: {max_attempts: "three", initial_backoff: 2}
              b:
                type: process
                depends_on: a
                continue_on_failure: maybe
            """;

        var error = Assert.Throws<DefinitionFormatException>(() => WorkflowDefinitionLoader.FromYaml(yaml));

        Assert.Equal(
            [
                ("steps.a.dependson", "unknown field 'dependson'; did you mean 'depends_on'?"),
                ("steps.a.timeout", "\"abc\" is not a duration: use a number of seconds ending in s, such as 2s, 0.5s or 90s"),
                ("steps.a.retry_policy.max_attempts", "must be a number, not the text \"three\""),
                ("steps.a.retry_policy.initial_backoff", "2 is not a duration: use a number of seconds ending in s, such as 2s, 0.5s or 90s"),
                ("steps.b.depends_on", "must be a list, not the text \"a\""),
                ("steps.b.continue_on_failure", "must be true or false, not the text \"maybe\""),
            ],
            error.Problems.Select(p => (p.Field, p.Description)));
    }

    [Fact]
    public void FromJson_SyntaxErrorWithTrailingComma_DescribesItWithoutReaderAdvice()
    {
        var error = Assert.Throws<DefinitionFormatException>(() => WorkflowDefinitionLoader.FromJson("{\"id\": \"w\", \"steps\": {},}"));

        var description = Assert.Single(error.Problems).Description;
        Assert.StartsWith("invalid JSON at line 1, column", description, StringComparison.Ordinal);
        Assert.DoesNotContain("reader options", description, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", description, StringComparison.Ordinal);
    }

    [Fact]
    public void FromJson_SyntaxError_NamesLineAndColumn()
    {
        var error = Assert.Throws<DefinitionFormatException>(() => WorkflowDefinitionLoader.FromJson("{\n  \"id\": \"w\",\n  \"steps\": {\n}"));

        Assert.Contains("invalid JSON at line 4", Assert.Single(error.Problems).Description, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFile_OtherExtension_IsRejectedNamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"wf-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, "{}");
        try
        {
            var error = Assert.Throws<DefinitionFormatException>(() => WorkflowDefinitionLoader.FromFile(path));
            Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FromFile_YamlWithError_MessageNamesTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"wf-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "id: w\nsteps:\n  a: {type: t}\n  a: {type: t}\n");
        try
        {
            var error = Assert.Throws<DefinitionFormatException>(() => WorkflowDefinitionLoader.FromFile(path));
            Assert.StartsWith(path + ":", error.Message, StringComparison.Ordinal);
            Assert.Contains("steps.a: duplicate key 'a' at line 4, column 3", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
