using System.Diagnostics;
using System.Text;

namespace GrpcWorkflows.Testing;

/// <summary>How a command run to its end by <see cref="CommandRun.RunAsync"/> ended: exit code, stdout and stderr.</summary>
internal sealed record CommandResult(string Command, int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>The non-empty lines of stdout, trimmed.</summary>
    public string[] OutputLines => StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The non-empty lines of stderr, trimmed.</summary>
    public string[] ErrorLines => StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <inheritdoc />
    public override string ToString() => $"$ {Command}\nexit {ExitCode}\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}";
}

/// <summary>Runs a command to its end with stdout and stderr captured separately, stdin closed, and a deadline.</summary>
internal static class CommandRun
{
    /// <summary>
    /// Runs <paramref name="fileName"/>; a null value in <paramref name="environment"/> removes the
    /// variable. Past <paramref name="timeout"/> the process tree is killed and a
    /// <see cref="TimeoutException"/> carries the output so far.
    /// </summary>
    public static async Task<CommandResult> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?>? environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        var command = $"{fileName} {string.Join(' ', info.ArgumentList)}";
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} did not finish in {timeout}. Output so far:\n{await stdout}\n{await stderr}");
        }

        return new CommandResult(command, process.ExitCode, await stdout, await stderr);
    }
}
