using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace GrpcWorkflows.Cli.Embedded;

/// <summary>
/// One executable started by <c>gwf</c> (<c>dotnet X.dll --urls http://127.0.0.1:0 ...</c>): its output
/// is captured (the last lines are kept for error messages, or echoed), its listening address is read
/// from ASP.NET Core's <c>Now listening on:</c> line, and it is stopped with SIGTERM, then killed.
/// </summary>
internal sealed partial class ChildProcess : IAsyncDisposable
{
    private const int KeptLines = 60;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _tail = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<Uri> _addresses = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<string, string>? _echo;

    private ChildProcess(string name, Process process, Action<string, string>? echo)
    {
        Name = name;
        _process = process;
        _echo = echo;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public Task Exited => _exited.Task;

    public string Tail => string.Join('\n', _tail);

    /// <summary>What to do when the process does not start (for example <c>npm ci --prefix ...</c>); null for nothing.</summary>
    public string? SetupHint { get; private init; }

    /// <summary>True when the process exited because its address was taken (Kestrel's and Node's messages).</summary>
    public bool AddressInUse => _tail.Any(l => l.Contains("address already in use", StringComparison.OrdinalIgnoreCase) || l.Contains("EADDRINUSE", StringComparison.Ordinal));

    /// <summary>Starts a .NET executable as <c>dotnet ASSEMBLY ARGUMENTS</c> in the current directory.</summary>
    public static ChildProcess StartDotnet(string name, string assemblyPath, IEnumerable<string> arguments, Action<string, string>? echo = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!File.Exists(assemblyPath))
        {
            throw new LocalClusterException($"{assemblyPath} is missing; gwf needs the executables it carries in executables/ beside gwf.dll (build src/GrpcWorkflows.Cli).");
        }

        return Start(name, BuiltInExecutables.DotnetHost(), [assemblyPath, .. arguments], Environment.CurrentDirectory, echo, environment: environment);
    }

    /// <summary>Starts any command; <paramref name="setupHint"/> is added to the message when it fails to start.</summary>
    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, string workingDirectory, Action<string, string>? echo = null, string? setupHint = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process, echo) { SetupHint = setupHint };
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.Exited += (_, _) => child._exited.TrySetResult();
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new LocalClusterException($"cannot start {name} with '{info.FileName}': {e.Message}{(setupHint is null ? string.Empty : $" ({setupHint})")}", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Every address the process said it listens on so far, in order (the orchestrator's HTTP address comes second).</summary>
    public IReadOnlyList<Uri> ListeningAddresses => [.. _addresses];

    /// <summary>Waits for the process to print its listening address.</summary>
    public async Task<Uri> WaitForListeningAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var finished = await Task.WhenAny(_listening.Task, _exited.Task, Task.Delay(timeout, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
        if (finished == _listening.Task)
        {
            return await _listening.Task;
        }

        var why = finished == _exited.Task ? $"exited with code {_process.ExitCode}" : $"did not start listening within {timeout.TotalSeconds:0}s";
        throw new LocalClusterException($"{Name} {why}.{(SetupHint is null ? string.Empty : $" {SetupHint}.")} Its last output:\n{Tail}");
    }

    /// <summary>Asks the process to stop (SIGTERM) and kills it with its children past <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (HasExited())
        {
            return;
        }

        if (!OperatingSystem.IsWindows() && grace > TimeSpan.Zero)
        {
            try
            {
                using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
                if (kill is not null)
                {
                    await kill.WaitForExitAsync();
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // No kill(1): fall through to Kill.
            }

            await Task.WhenAny(_exited.Task, Task.Delay(grace));
        }

        Kill();
        await Task.WhenAny(_exited.Task, Task.Delay(TimeSpan.FromSeconds(5)));
    }

    /// <summary>Kills the process and its children at once.</summary>
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

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero);
        _process.Dispose();
    }

    private bool HasExited()
    {
        try
        {
            return _process.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _tail.Enqueue(line);
        while (_tail.Count > KeptLines && _tail.TryDequeue(out _))
        {
        }

        _echo?.Invoke(Name, line);
        var match = ListeningLine().Match(line);
        if (match.Success && Uri.TryCreate(match.Groups["url"].Value, UriKind.Absolute, out var url))
        {
            _addresses.Enqueue(url);
            _listening.TrySetResult(url);
        }
    }

    [GeneratedRegex(@"Now listening on: (?<url>(https?|postgresql)://\S+)")]
    private static partial Regex ListeningLine();
}
