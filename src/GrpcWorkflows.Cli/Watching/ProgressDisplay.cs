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

    /// <summary>
    /// Follows the events to the end (or until cancelled) and returns what was seen. In text, the
    /// execution id comes first, as soon as the first event names it.
    /// </summary>
    public static async Task<ExecutionProgress> FollowAsync(IAsyncEnumerable<ExecutionEvent> events, ExecutionProgress progress, OutputFormat format, CancellationToken cancellationToken)
    {
        await using var enumerator = events.GetAsyncEnumerator(cancellationToken);
        if (!await enumerator.MoveNextAsync())
        {
            if (format == OutputFormat.Text)
            {
                PrintOutcome(progress);
            }

            return progress;
        }

        var all = Prepend(enumerator.Current, enumerator);
        if (format == OutputFormat.Json)
        {
            await foreach (var e in all)
            {
                progress.Apply(e);
                JsonOutput.WriteLine(e);
            }

            return progress;
        }

        var id = enumerator.Current.ExecutionId;
        Console.Out.WriteLine($"Execution {id}");
        Console.Out.Flush();
        if (IsInteractive)
        {
            await FollowLiveAsync(all, progress);
        }
        else
        {
            await foreach (var e in all)
            {
                Console.Out.WriteLine(progress.Line(e));
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

        foreach (var step in progress.Steps.Where(s => s.State == StepState.Succeeded && s.Note is not null && s.Note.StartsWith("wrote ", StringComparison.Ordinal)))
        {
            Console.Out.WriteLine($"{step.StepId} {step.Note}");
        }

        Console.Out.Flush();
    }

    private static async IAsyncEnumerable<ExecutionEvent> Prepend(ExecutionEvent first, IAsyncEnumerator<ExecutionEvent> rest)
    {
        yield return first;
        while (await rest.MoveNextAsync())
        {
            yield return rest.Current;
        }
    }

    private static async Task FollowLiveAsync(IAsyncEnumerable<ExecutionEvent> events, ExecutionProgress progress)
    {
        var gate = new Lock();
        await AnsiConsole.Live(Render(progress)).AutoClear(false).StartAsync(async context =>
        {
            using var stop = new CancellationTokenSource();
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
                await foreach (var e in events)
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
            .Caption(Markup.Escape($"last event #{progress.LastSequence}"))
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
        StepState.RetryWait or StepState.Suspended => new Style(Color.Yellow),
        StepState.Skipped or StepState.Cancelled => new Style(Color.Grey),
        _ => Style.Plain,
    };
}
