using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;
using Xunit.Abstractions;

namespace GrpcWorkflows.Orchestrator.Tests.Services;

/// <summary>
/// A bounded fuzz run: mutated definitions and inputs through Validate and Submit on a real
/// orchestrator over gRPC, on a SQLite file. No INTERNAL or UNKNOWN, nothing accepted that
/// validation refused, no call hangs, and the orchestrator restarts cleanly afterwards.
/// Set GWF_FUZZ_SEED to replay a run; the seed is always printed.
/// </summary>
public sealed class DefinitionFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Cases = 2000;
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(30);
    private static readonly string[] Types = ["echo", "noop", "echo", "noop", "teleport", ""];

    private readonly string _folder = Directory.CreateTempSubdirectory("gwf-fuzz-").FullName;

    [Fact]
    public async Task ValidateAndSubmit_MutatedDefinitions_NoInternalNoAcceptedInvalidNoHangAndCleanRestart()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("GWF_FUZZ_SEED"), out var fixedSeed) ? fixedSeed : Random.Shared.Next();
        output.WriteLine($"fuzz seed: {seed} (replay with GWF_FUZZ_SEED={seed})");
        var random = new Random(seed);
        var settings = new Dictionary<string, string>
        {
            ["Storage:Provider"] = "sqlite",
            ["Storage:Sqlite:Path"] = Path.Combine(_folder, "fuzz.db"),
            ["Engine:MaxActiveExecutions"] = "100000",
        };
        int accepted = 0, refused = 0;
        var failures = new List<string>();

        await using (var orchestrator = await TestOrchestrator.StartAsync(settings))
        {
            await using var executor = await InProcessExecutor.StartAsync(orchestrator.Address);
            await orchestrator.WaitForExecutorsAsync("echo");
            for (var i = 0; i < Cases && failures.Count < 10; i++)
            {
                var definition = Mutate(Base(), random);
                var input = RandomStruct(random, 3);
                var deadline = DateTime.UtcNow + CallDeadline;
                bool valid;
                try
                {
                    valid = (await orchestrator.Workflows.ValidateWorkflowAsync(new ValidateWorkflowRequest { Definition = definition }, deadline: deadline)).Valid;
                }
                catch (RpcException e)
                {
                    failures.Add($"case {i}: Validate answered {e.StatusCode}: {e.Status.Detail}");
                    continue;
                }

                try
                {
                    await orchestrator.Workflows.SubmitWorkflowAsync(new SubmitWorkflowRequest { Definition = definition, Input = input }, deadline: DateTime.UtcNow + CallDeadline);
                    accepted++;
                    if (!valid)
                    {
                        failures.Add($"case {i}: Submit accepted a definition Validate refused");
                    }
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.FailedPrecondition)
                {
                    refused++;
                }
                catch (RpcException e)
                {
                    failures.Add($"case {i}: Submit answered {e.StatusCode}: {e.Status.Detail}");
                }
            }
        }

        output.WriteLine($"{Cases} cases: {accepted} accepted, {refused} refused, {failures.Count} failures");
        Assert.True(failures.Count == 0, $"seed {seed}: " + string.Join("\n", failures));

        await using var restarted = await TestOrchestrator.StartAsync(settings);
        var listed = await restarted.Workflows.ListExecutionsAsync(new ListExecutionsRequest { PageSize = 1 }).ResponseAsync.DefaultTimeout();
        Assert.Equal(accepted > 0, listed.Executions.Count > 0);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static WorkflowDefinition Base() => Workflows.Define(
        "fuzz",
        ("a", Workflows.Step("echo", """{"x": "{{ workflow.input.k }}"}""")),
        ("b", Workflows.Step("noop", null, "a")),
        ("c", Workflows.Step("echo", """{"y": "v {{ steps.a.output.x }}", "n": [1, 2, {"z": true}]}""", "a", "b")));

    private static WorkflowDefinition Mutate(WorkflowDefinition definition, Random random)
    {
        var mutations = random.Next(1, 6);
        for (var m = 0; m < mutations; m++)
        {
            var ids = definition.Steps.Keys.ToList();
            var step = ids.Count > 0 ? definition.Steps[ids[random.Next(ids.Count)]] : null;
            switch (random.Next(14))
            {
                case 0:
                    definition.Steps[RandomId(random)] = new StepDefinition { Type = Types[random.Next(Types.Length)] };
                    break;
                case 1 when ids.Count > 0:
                    definition.Steps.Remove(ids[random.Next(ids.Count)]);
                    break;
                case 2 when step is not null:
                    step.DependsOn.Add(random.Next(3) == 0 ? RandomId(random) : ids[random.Next(ids.Count)]);
                    break;
                case 3 when step is not null:
                    step.Timeout = RandomDuration(random);
                    break;
                case 4:
                    definition.DefaultTimeout = RandomDuration(random);
                    break;
                case 5 when step is not null:
                    step.RetryPolicy = new RetryPolicy
                    {
                        MaxAttempts = random.Next(-2, 120),
                        InitialBackoff = RandomDuration(random),
                        MaxBackoff = RandomDuration(random),
                        BackoffMultiplier = random.Next(4) switch { 0 => double.NaN, 1 => -1, 2 => double.PositiveInfinity, _ => random.NextDouble() * 200 },
                        Jitter = random.NextDouble() * 2 - 0.5,
                    };
                    break;
                case 6 when step is not null:
                    step.Input = RandomStruct(random, random.Next(1, 40));
                    break;
                case 7 when step is not null:
                    step.Input ??= new Struct();
                    step.Input.Fields["t"] = Value.ForString(RandomTemplate(random, ids));
                    break;
                case 8 when step is not null:
                    step.Type = Types[random.Next(Types.Length)];
                    break;
                case 9 when step is not null:
                    step.MaxRetries = random.Next(-5, 200);
                    break;
                case 10:
                    definition.Id = random.Next(4) == 0 ? string.Empty : RandomId(random);
                    break;
                case 11:
                    definition.MaxParallelSteps = random.Next(-3, 5);
                    break;
                case 12 when step is not null:
                    step.ContinueOnFailure = !step.ContinueOnFailure;
                    break;
                case 13 when ids.Count > 1:
                    definition.Steps[ids[0]].DependsOn.Add(ids[^1]); // often a cycle
                    break;
            }
        }

        return definition;
    }

    private static string RandomId(Random random) => random.Next(8) switch
    {
        0 => string.Empty,
        1 => new string('s', random.Next(100, 300)),
        2 => "naïve step",
        3 => "a.b",
        4 => "\u0000",
        _ => "s" + random.Next(1000),
    };

    private static Duration RandomDuration(Random random) => random.Next(6) switch
    {
        0 => new Duration { Seconds = long.MaxValue },
        1 => new Duration { Seconds = 315_576_000_001 },
        2 => new Duration { Seconds = -5 },
        3 => new Duration { Seconds = 1, Nanos = -1 },
        4 => new Duration { Nanos = 2_000_000_000 },
        _ => new Duration { Seconds = random.Next(0, 100_000), Nanos = random.Next(0, 999_999_999) },
    };

    private static string RandomTemplate(Random random, List<string> ids) => random.Next(7) switch
    {
        0 => "{{ workflow.input.obj }}",
        1 => "x {{ workflow.input.obj }}",
        2 => ids.Count > 0 ? $"x {{{{ steps.{ids[random.Next(ids.Count)]}.output.x }}}}" : "{{",
        3 => "{{ steps..output }}",
        4 => "{{ }}",
        5 => "{{ steps.ghost.output.x[999999999999] }}",
        _ => new string('{', random.Next(1, 50)),
    };

    private static Struct RandomStruct(Random random, int width)
    {
        var result = new Struct();
        for (var i = 0; i < width; i++)
        {
            result.Fields[i == 0 ? "obj" : "f" + i] = RandomValue(random, 0);
        }

        return result;
    }

    private static Value RandomValue(Random random, int depth) => random.Next(depth > 6 ? 5 : 8) switch
    {
        0 => new Value(),
        1 => Value.ForNumber(random.Next(4) switch { 0 => double.NaN, 1 => double.NegativeInfinity, _ => random.NextDouble() }),
        2 => Value.ForString(random.Next(3) == 0 ? "{{ workflow.input.obj }}" : "s"),
        3 => Value.ForBool(true),
        4 => Value.ForNull(),
        5 or 6 => Value.ForStruct(NestedStruct(random, depth)),
        _ => Value.ForList(RandomValue(random, depth + 1), RandomValue(random, depth + 1)),
    };

    private static Struct NestedStruct(Random random, int depth)
    {
        var nested = new Struct();
        nested.Fields["deep"] = RandomValue(random, depth + 1);
        if (random.Next(2) == 0)
        {
            nested.Fields["other"] = RandomValue(random, depth + 1);
        }

        return nested;
    }
}
