using System.Diagnostics;
using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.V1;
using Spectre.Console;

namespace GrpcWorkflows.Cli.Watching;

/// <summary>
/// Shows an execution's events as they arrive: a live table of steps (state, attempt, duration) on
/// a terminal, one plain line per event otherwise, or JSON lines with <c>--output json</c>; then
/// the outcome and the result.
/// </summary>
internal static class ProgressDisplay
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Whether stdout is a terminal that can redraw a live table.</summary>
    public static bool IsInteractive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive && AnsiConsole.Profile.Capabilities.Ansi;

    /// <summary>Follows the events to the end (or until cancelled) and returns what was seen.</summary>
    public static async Task<ExecutionProgress> FollowAsync(IAsyncEnumerable<ExecutionEvent> events, ExecutionProgress progress, OutputFormat format, CancellationToken cancellationToken)
    {
        if (format == OutputFormat.Json)
        {
            await foreach (var e in events.WithCancellation(cancellationToken))
            {
                progress.Apply(e);
                JsonOutput.WriteLine(e);
            }

            return progress;
        }

        if (IsInteractive)
        {
            await FollowLiveAsync(events, progress, cancellationToken);
        }
        else
        {
            var clock = Stopwatch.StartNew();
            await foreach (var e in events.WithCancellation(cancellationToken))
            {
                var line = progress.Apply(e);
                Console.Out.WriteLine($"[{clock.Elapsed.TotalSeconds,6:0.00}s] {line}");
            }

            Console.Out.Flush();
        }

        PrintOutcome(progress);
        return progress;
    }

    /// <summary>Prints how the execution ended and its result (text output).</summary>
    public static void PrintOutcome(ExecutionProgress progress)
    {
        var finished = progress.Finished;
        if (finished is null)
        {
            Console.Out.WriteLine($"Execution {progress.ExecutionId} has not finished (last sequence {progress.LastSequence}).");
            return;
        }

        var failedSteps = progress.Steps.Where(s => s.State == StepState.Failed).ToList();
        var what = $"Execution {progress.ExecutionId} {Names.Of(finished.State)}";
        if (finished.State == ExecutionState.Succeeded)
        {
            AnsiConsole.MarkupLineInterpolated($"[green]{what}[/]");
        }
        else
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{what}[/]{(finished.Error is { Message.Length: > 0 } error ? $": {error.Code}: {error.Message}" : string.Empty)}");
            foreach (var step in failedSteps)
            {
                Console.Out.WriteLine($"  {step.StepId}: {step.Note}");
            }
        }

        if (finished.Result is { Fields.Count: > 0 } result)
        {
            Console.Out.WriteLine("Result:");
            Console.Out.WriteLine(JsonOutput.Pretty(result));
        }

        Console.Out.Flush();
    }

    private static async Task FollowLiveAsync(IAsyncEnumerable<ExecutionEvent> events, ExecutionProgress progress, CancellationToken cancellationToken)
    {
        var gate = new Lock();
        await AnsiConsole.Live(Render(progress)).AutoClear(false).StartAsync(async context =>
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var ticker = Task.Run(async () =>
            {
                try
                {
                    while (!stop.IsCancellationRequested)
                    {
                        await Task.Delay(RefreshInterval, stop.Token);
                        lock (gate)
                        {
                            context.UpdateTarget(Render(progress));
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    // The stream ended.
                }
            }, CancellationToken.None);

            try
            {
                await foreach (var e in events.WithCancellation(cancellationToken))
                {
                    lock (gate)
                    {
                        progress.Apply(e);
                        context.UpdateTarget(Render(progress));
                    }
                }
            }
            finally
            {
                await stop.CancelAsync();
                await ticker;
                lock (gate)
                {
                    context.UpdateTarget(Render(progress));
                }
            }
        });
    }

    private static Table Render(ExecutionProgress progress)
    {
        var now = DateTimeOffset.UtcNow;
        var table = new Table().Border(TableBorder.Rounded)
            .Title(Markup.Escape($"{progress.WorkflowId} · {progress.ExecutionId}"))
            .AddColumns("step", "type", "state", "attempt", "duration", "note");
        foreach (var step in progress.Steps)
        {
            table.AddRow(
                new Text(step.StepId),
                new Text(step.Type),
                new Markup(Markup.Escape(Names.Of(step.State)), StateStyle(step.State)),
                new Text(step.Attempt == 0 ? string.Empty : step.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Text(step.Duration(now) is { } d ? Names.Of(d) : string.Empty),
                new Text(step.Note ?? string.Empty));
        }

        return table;
    }

    private static Style StateStyle(StepState state) => state switch
    {
        StepState.Succeeded => new Style(Color.Green),
        StepState.Failed => new Style(Color.Red),
        StepState.Running => new Style(Color.Blue),
        StepState.RetryWait => new Style(Color.Yellow),
        StepState.Skipped or StepState.Cancelled => new Style(Color.Grey),
        _ => Style.Plain,
    };
}
