using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace GrpcWorkflows.Testing;

/// <summary>
/// A child process for tests: started with redirected output, awaited on its output lines with a
/// deadline, and killed with its whole tree on dispose. Link into a test project with
/// <c>&lt;Compile Include="../Shared/**/*.cs" LinkBase="Shared" /&gt;</c>.
/// </summary>
internal sealed partial class TestProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waiters = [];
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TestProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    /// <summary>A short name used in failure messages.</summary>
    public string Name { get; }

    /// <summary>The OS process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The CPU time the process has used so far.</summary>
    public TimeSpan TotalProcessorTime => _process.TotalProcessorTime;

    /// <summary>Every line written so far to stdout and stderr, in arrival order.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>The whole output so far, for failure messages.</summary>
    public string Output => string.Join('\n', _lines);

    /// <summary>Completes when the process exits.</summary>
    public Task Exited => _exited.Task;

    /// <summary>
    /// Waits for the exit and then for the last of the output: <see cref="Exited"/> can complete while the lines written
    /// just before the exit are still being read. Throws <see cref="TimeoutException"/> past <paramref name="timeout"/>
    /// (a child process still holding the output open, for one).
    /// </summary>
    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync().WaitAsync(timeout);

    /// <summary>The exit code, once exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <c>dotnet &lt;AppContext.BaseDirectory&gt;/&lt;assemblyName&gt;.dll args...</c>.</summary>
    public static TestProcess StartDotnet(string assemblyName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: add a ProjectReference to {assemblyName} in the test project.", dll);
        }

        return Start("dotnet", [dll, .. arguments], environment, workingDirectory, assemblyName);
    }

    /// <summary>Starts any program.</summary>
    public static TestProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null, string? name = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var result = new TestProcess(process, name ?? Path.GetFileName(fileName));
        process.OutputDataReceived += (_, e) => result.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => result.OnLine(e.Data);
        process.Exited += (_, _) => result._exited.TrySetResult();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Waits for ASP.NET Core's <c>Now listening on: URL</c> line and returns the URL.</summary>
    public async Task<Uri> WaitForListeningAsync(TimeSpan? timeout = null)
    {
        var line = await WaitForLineAsync(l => ListeningLine().IsMatch(l), timeout ?? TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        return new Uri(ListeningLine().Match(line).Groups["url"].Value);
    }

    /// <summary>Waits for the first line (already written or future) that matches, with a deadline.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        TaskCompletionSource<string> done;
        lock (_gate)
        {
            var existing = _lines.FirstOrDefault(match);
            if (existing is not null)
            {
                return existing;
            }

            done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
        }

        var finished = await Task.WhenAny(done.Task, _exited.Task, Task.Delay(timeout)).ConfigureAwait(false);
        if (finished == done.Task)
        {
            return await done.Task.ConfigureAwait(false);
        }

        var why = finished == _exited.Task ? $"exited with code {SafeExitCode()}" : $"did not print the expected line within {timeout}";
        throw new TimeoutException($"{Name} (pid {SafeId()}) {why}. Output:\n{Output}");
    }

    /// <summary>Sends SIGTERM (graceful shutdown) and waits for the exit, killing the tree past the deadline.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            await kill!.WaitForExitAsync().ConfigureAwait(false);
        }

        if (await Task.WhenAny(_exited.Task, Task.Delay(timeout ?? TimeSpan.FromSeconds(15))).ConfigureAwait(false) != _exited.Task)
        {
            Kill();
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>Kills the process and its children at once (SIGKILL), as a crash would.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Leave it to the OS; the test has its answer.
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _lines.Enqueue(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Done.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private string SafeExitCode()
    {
        try
        {
            return _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    private string SafeId()
    {
        try
        {
            return _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    [GeneratedRegex(@"Now listening on: (?<url>https?://\S+)")]
    private static partial Regex ListeningLine();
}
