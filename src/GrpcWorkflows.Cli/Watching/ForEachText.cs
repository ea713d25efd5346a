using GrpcWorkflows.V1;

namespace GrpcWorkflows.Cli.Watching;

/// <summary>How the CLI shows a <c>for_each</c> step's items: "412/10000 items done, 8 running, 1 retrying".</summary>
internal static class ForEachText
{
    /// <summary>The items' progress as one phrase.</summary>
    public static string Of(int done, int total, int running = 0, int retrying = 0, int failed = 0)
    {
        var text = new System.Text.StringBuilder();
        text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{done}/{total} items done");
        if (running > 0)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $", {running} running");
        }

        if (retrying > 0)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $", {retrying} retrying");
        }

        if (failed > 0)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $", {failed} failed");
        }

        return text.ToString();
    }

    /// <summary>The progress GetExecution reports for a step.</summary>
    public static string Of(ForEachProgress progress) => Of(progress.Succeeded, progress.Total, progress.Running, progress.Retrying, progress.Failed);
}
