using GrpcWorkflows.Bench;

if (args.Length > 0 && args[0] == "executor")
{
    return await NoopExecutor.RunAsync(args[1..]);
}

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(BenchSettings.Usage);
    return 0;
}

BenchSettings settings;
try
{
    settings = BenchSettings.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

await using var runner = new BenchRunner(settings);
var results = await runner.RunAsync();
Report.Write(Console.Out, settings, results);
if (settings.JsonPath is not null)
{
    await Report.WriteJsonAsync(settings.JsonPath, settings, results);
}

return 0;
