using Google.Protobuf;
using GrpcWorkflows.Engine.Commands;
using GrpcWorkflows.Engine.Dispatch;
using GrpcWorkflows.Engine.Secrets;
using GrpcWorkflows.Engine.Tests.Infrastructure;
using GrpcWorkflows.V1;
using static GrpcWorkflows.Engine.Tests.Infrastructure.Workflows;

namespace GrpcWorkflows.Engine.Tests.DataFlow;

/// <summary>
/// <c>{{ secrets.NAME }}</c>: resolved at dispatch from real secret files, sent to the executor only,
/// never in the event log or GetExecution, even when the executor echoes it back.
/// </summary>
public sealed class SecretTests : IDisposable
{
    private const string Token = "s3cr3t-t0ken-value-4242";

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("gwf-secrets-");

    public SecretTests() => File.WriteAllText(Path.Combine(_folder.FullName, "API_TOKEN"), Token + "\n");

    [Fact]
    public async Task SecretReference_ReachesTheExecutorOnly_EchoedOutputAndErrorAreRedactedEverywhere()
    {
        // The executor echoes its input into its output (a value and a key), and step b fails with it in its message.
        await using var h = await EngineHarness.StartAsync(
            r => r.StepId == "a"
                ? AttemptScript.Succeed(1, Json($$"""{"echo": "{{r.Input.Fields["auth"].StringValue}}", "{{Token}}": 1, "nested": [{"t": "{{Token}}"}]}"""))
                : new AttemptScript(TimeSpan.FromMilliseconds(1), StepAttemptResult.Failure("UNAUTHENTICATED", $"token {Token} was refused", retryable: false)),
            secrets: new FileSecretProvider(_folder.FullName));
        var definition = Define(S("a"), S("b", "a"));
        definition.Steps["a"].Input = Json("""{"auth": "Bearer {{ secrets.API_TOKEN }}", "raw": "{{ secrets.API_TOKEN }}"}""");
        definition.Steps["b"].Input = Json("""{"t": "{{ secrets.API_TOKEN }}"}""");

        var id = await h.SubmitAsync(definition);
        await h.RunUntilIdleAsync();

        var sent = h.Dispatcher.Requests.Single(r => r.StepId == "a");
        Assert.Equal("Bearer " + Token, sent.Input.Fields["auth"].StringValue);
        Assert.Equal(Token, sent.Input.Fields["raw"].StringValue);
        var execution = await h.GetAsync(id);
        var events = await h.EventsAsync(id);
        Assert.DoesNotContain(Token, JsonFormatter.Default.Format(execution), StringComparison.Ordinal);
        Assert.All(events, e => Assert.DoesNotContain(Token, JsonFormatter.Default.Format(e), StringComparison.Ordinal));
        var a = execution.Steps.Single(s => s.StepId == "a");
        Assert.Equal("Bearer " + SecretRedaction.Marker, a.Output.Fields["echo"].StringValue);
        Assert.True(a.Output.Fields.ContainsKey(SecretRedaction.Marker));
        Assert.Equal(SecretRedaction.Marker, a.Output.Fields["nested"].ListValue.Values[0].StructValue.Fields["t"].StringValue);
        Assert.Equal($"token {SecretRedaction.Marker} was refused", execution.Steps.Single(s => s.StepId == "b").Error.Message);
        Assert.Contains("{{ secrets.API_TOKEN }}", execution.Definition.Steps["a"].Input.Fields["raw"].StringValue, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_UnknownSecret_ProblemWithTheFieldPathAndNothingRuns()
    {
        await using var h = await EngineHarness.StartAsync(secrets: new FileSecretProvider(_folder.FullName));
        var definition = Define(S("a"));
        definition.Steps["a"].Input = Json("""{"headers": {"x": "{{ secrets.MISSING }}"}, "ok": "{{ secrets.API_TOKEN }}"}""");

        var error = await Assert.ThrowsAsync<WorkflowValidationException>(() => h.Engine.SubmitAsync(new SubmitExecution(definition)));

        var problem = Assert.Single(error.Result.Problems);
        Assert.Equal("steps.a.input.headers.x", problem.Field);
        Assert.Contains("'MISSING'", problem.Description, StringComparison.Ordinal);
        Assert.Empty(h.Dispatcher.Requests);
    }

    [Fact]
    public void Validate_SecretInTheWorkflowOutputOrMalformed_Problems()
    {
        var definition = Define(S("a"));
        definition.Output = Json("""{"leak": "{{ secrets.API_TOKEN }}"}""");
        definition.Steps["a"].Input = Json("""{"bad": "{{ secrets.../etc/passwd }}"}""");

        var result = new GrpcWorkflows.Engine.Validation.WorkflowDefinitionValidator(secrets: new FileSecretProvider(_folder.FullName)).Validate(definition);

        Assert.Contains(result.Problems, p => p.Field == "output.leak" && p.Description.Contains("only be used in step inputs", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.Field == "steps.a.input.bad" && p.Description.Contains("secret name", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SecretRemovedBeforeDispatch_StepFailsNamingTheSecretNotItsValue()
    {
        await using var h = await EngineHarness.StartAsync(_ => AttemptScript.Succeed(100), secrets: new FileSecretProvider(_folder.FullName));
        var definition = Define(S("first"), S("a", "first"));
        definition.Steps["a"].Input = Json("""{"t": "{{ secrets.API_TOKEN }}"}""");

        var id = await h.SubmitAsync(definition);
        File.Delete(Path.Combine(_folder.FullName, "API_TOKEN"));
        await h.RunUntilIdleAsync();

        var a = (await h.GetAsync(id)).Steps.Single(s => s.StepId == "a");
        Assert.Equal(StepState.Failed, a.State);
        Assert.Equal("INVALID_ARGUMENT", a.Error.Code);
        Assert.Contains("no secret 'API_TOKEN'", a.Error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Dispatcher.Requests, r => r.StepId == "a");
    }

    [Fact]
    public void Providers_EnvironmentAndFiles_ReadByNameAndRefuseEscapes()
    {
        var name = "GWF_TEST_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable("GWF_SECRET_" + name, "from-env");
        try
        {
            var chain = new CompositeSecretProvider(new FileSecretProvider(_folder.FullName), new EnvironmentSecretProvider());

            Assert.True(chain.TryGetSecret("API_TOKEN", out var fromFile));
            Assert.Equal(Token, fromFile);
            Assert.True(chain.TryGetSecret(name, out var fromEnvironment));
            Assert.Equal("from-env", fromEnvironment);
            Assert.False(chain.TryGetSecret("../API_TOKEN", out _));
            Assert.False(chain.TryGetSecret("NOPE", out _));
        }
        finally
        {
            Environment.SetEnvironmentVariable("GWF_SECRET_" + name, null);
        }
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
