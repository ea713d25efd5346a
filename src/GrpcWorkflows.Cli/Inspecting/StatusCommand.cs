using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Output;
using GrpcWorkflows.V1;
using Spectre.Console;

namespace GrpcWorkflows.Cli.Inspecting;

/// <summary><c>gwf status ID</c>: the state of an execution, its steps, their outputs, figures and result.</summary>
public sealed class StatusCommand : GwfCommand<StatusSettings>
{
    /// <inheritdoc />
    protected override async Task<int> RunAsync(StatusSettings settings, CancellationToken cancellationToken)
    {
        using var client = Connect(settings);
        var id = await ResolveExecutionIdAsync(client, settings.ExecutionId, cancellationToken);
        var execution = await client.GetAsync(id, cancellationToken);
        if (settings.Output == OutputFormat.Json)
        {
            JsonOutput.WriteLine(execution);
            return ExitCodes.Success;
        }

        var workflow = execution.WorkflowVersion > 0 ? $"{execution.WorkflowId}@{execution.WorkflowVersion}" : execution.WorkflowId;
        Console.Out.WriteLine($"Execution {execution.ExecutionId} of {workflow}: {Names.Of(execution.State)}");
        if (execution.ScheduleId.Length > 0)
        {
            Console.Out.WriteLine($"  started by schedule {execution.ScheduleId} for its time {execution.ScheduleTime?.ToDateTimeOffset().ToString("u", System.Globalization.CultureInfo.InvariantCulture)}");
        }

        if (execution.ParentExecutionId.Length > 0)
        {
            Console.Out.WriteLine($"  child of execution {execution.ParentExecutionId} (its step '{execution.ParentStepId}'), depth {execution.Depth}");
        }

        if (execution.FlowWait is { } queued)
        {
            Console.Out.WriteLine($"  queued since {queued.Since?.ToDateTimeOffset():HH:mm:ss'Z'}: {queued.Reason}");
        }

        if (execution.Figures?.TotalDuration is { } total)
        {
            var figures = execution.Figures;
            Console.Out.WriteLine($"  duration {Names.Of(total.ToTimeSpan())}, {figures.AttemptCount} attempts ({figures.RetryCount} retries), queue wait {Names.Of(figures.QueueWaitSum?.ToTimeSpan() ?? TimeSpan.Zero)}");
            if (figures.CriticalPath.Count > 0)
            {
                Console.Out.WriteLine($"  critical path {string.Join(" -> ", figures.CriticalPath)} ({Names.Of(figures.CriticalPathDuration?.ToTimeSpan() ?? TimeSpan.Zero)})");
            }
        }

        if (execution.Error is { Message.Length: > 0 } error)
        {
            Console.Out.WriteLine($"  error {error.Code}: {error.Message}");
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumns("step", "type", "state", "attempts", "duration", "note");
        foreach (var step in execution.Steps)
        {
            var duration = step.StartTime is null ? string.Empty : Names.Of((step.EndTime?.ToDateTimeOffset() ?? DateTimeOffset.UtcNow) - step.StartTime.ToDateTimeOffset());
            var note = step.Error is { Message.Length: > 0 } stepError ? $"{stepError.Code}: {stepError.Message}"
                : step.FlowWait is { } held ? $"held back: {held.Reason}"
                : step.Reason;
            if (step.ForEach is { } items)
            {
                note = note.Length > 0 ? $"{Watching.ForEachText.Of(items)}; {note}" : Watching.ForEachText.Of(items);
            }

            if (step.ChildExecutionId.Length > 0)
            {
                note = note.Length > 0 ? $"child {step.ChildExecutionId}; {note}" : $"child {step.ChildExecutionId}";
            }

            table.AddRow(new Text(step.StepId), new Text(step.Type), new Text(Names.Of(step.State)), new Text(step.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture)), new Text(duration), new Text(note));
        }

        AnsiConsole.Write(table);
        PrintOutputs(execution, settings.Full);
        if (execution.Result is { Fields.Count: > 0 } result)
        {
            Console.Out.WriteLine("Result:");
            Console.Out.WriteLine(JsonOutput.Pretty(result));
        }

        return ExitCodes.Success;
    }

    private static void PrintOutputs(Execution execution, bool full)
    {
        var withOutput = execution.Steps.Where(s => s.Output is { Fields.Count: > 0 }).ToList();
        if (withOutput.Count == 0)
        {
            return;
        }

        Console.Out.WriteLine(full ? "Outputs:" : "Outputs (cut at 160 characters; --full shows them whole):");
        foreach (var step in withOutput)
        {
            if (full)
            {
                Console.Out.WriteLine($"  {step.StepId}:");
                Console.Out.WriteLine(string.Join('\n', JsonOutput.Pretty(step.Output).Split('\n').Select(l => "    " + l)));
                continue;
            }

            var text = JsonOutput.Compact(step.Output);
            Console.Out.WriteLine($"  {step.StepId}: {(text.Length <= StatusSettings.OutputPreviewLength ? text : string.Concat(text.AsSpan(0, StatusSettings.OutputPreviewLength), "…"))}");
        }
    }
}
