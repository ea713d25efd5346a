using System.Globalization;

namespace GrpcWorkflows.Bench;

/// <summary>Command-line settings of a benchmark run.</summary>
internal sealed class BenchSettings
{
    public HashSet<string> Scenarios { get; } = new(StringComparer.OrdinalIgnoreCase) { "S0", "S1", "S2", "S3", "S4" };
    public List<string> Stores { get; } = ["memory", "sqlite"];
    public List<string> Modes { get; } = ["push", "connect"];
    public int ChainLength { get; set; } = 2_000;
    public int ChainWorkflows { get; set; } = 20;
    public int FanWidth { get; set; } = 4_000;
    public int FanWorkflows { get; set; } = 10;
    public int SmallWorkflows { get; set; } = 10_000;
    public int DagSteps { get; set; } = 10_000;
    public double DagEdgesPerStep { get; set; } = 3;
    public TimeSpan RawDuration { get; set; } = TimeSpan.FromSeconds(3);
    public int[] RawConcurrency { get; } = [1, 20, 100];
    public string SqliteSynchronous { get; set; } = "NORMAL";

    /// <summary>The numbers of orchestrator replicas (on one schema) each PostgreSQL store runs S1-S4 with.</summary>
    public List<int> Replicas { get; } = [1];

    /// <summary>The PostgreSQL server of the <c>postgres</c> store; null starts a throwaway one for the run.</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>
    /// The no-op executor's in-flight budget registered with the orchestrator: 100, the highest
    /// concurrency S0 measures (where raw calls/s have levelled off), so the orchestrator keeps at
    /// most as many calls in flight as the figure it is compared with, and READY steps beyond it
    /// wait in the orchestrator's queue rather than in the HTTP/2 connection's.
    /// </summary>
    public int ExecutorCapacity { get; set; } = 100;
    public string? JsonPath { get; set; }
    public string? OrchestratorAddress { get; set; }
    public string? ExecutorAddress { get; set; }

    /// <summary>A peer engine's run script (<c>run.sh S1|S2|S3</c>, printing <c>name scenario steps/s wall</c>), run after S1–S3 in the same sitting.</summary>
    public string? PeerScript { get; set; }
    public bool Quick { get; set; }

    /// <summary>How many times each scenario (S0's levels, S1-S4 on one warmed-up orchestrator, the peer's script) runs; the run with the median rate is reported.</summary>
    public int Repeat { get; set; } = 1;
    public string SizesName { get; set; } = "default";

    public const string Usage = """
        GrpcWorkflows.Bench — orchestration overhead against raw gRPC calls to the same executor.

        Usage: dotnet run -c Release --project bench/GrpcWorkflows.Bench -- [options]

          --scenario S0,S1,...   scenarios to run (default: all of S0-S4)
          --store memory,sqlite,postgres  stores to run S1-S4 with (default: memory,sqlite); also sqlite-full
                                 (synchronous=FULL) and postgres-async (synchronous_commit=off)
          --replicas 1,2,3       orchestrator replicas on one schema for each postgres store (default 1); each gets
                                 submissions in turn; more than one runs push mode only
          --mode push,connect    how the executor gets its attempts in S1-S4 (default: both): push = the
                                 orchestrator calls ExecuteStep; connect = the executor's session (Connect)
          --quick                tiny sizes, for CI (N=10, W=10, M=50, DAG 300, 0.5 s raw)
          --peer-sizes           N=50, W=100, M=1000: the sizes used to measure other engines here
          --chain N              steps per chain in S1 (default 2000)
          --fan W                parallel width in S2 (default 4000)
          --small M              three-step workflows in S3 (default 10000)
          --dag STEPS            steps of the random DAG in S4 (default 10000)
          --executor-capacity C  in-flight calls the orchestrator may send the executor (default 100)
          --repeat N             run each scenario N times in the sitting (S0's levels in turn, S1-S4 on the same
                                 warmed-up orchestrator, the peer's script) and report the run with the median rate,
                                 listing every run's rate in its notes (default 1)
          --raw-seconds S        duration of each S0 concurrency level (default 3)
          --sqlite-synchronous X SQLite synchronous setting for the sqlite store (default NORMAL)
          --postgres CONNSTR     the PostgreSQL server of the postgres store (default: a throwaway one, durable settings)
          --json FILE            also write the results as JSON
          --orchestrator URL     use a running orchestrator (one store: whatever it runs) instead of starting one
          --executor URL         use a running no-op executor instead of starting one
          --peer-script PATH     also run a peer engine's script (PATH S1|S2|S3, e.g. ../shared/peers/workflowcore/run.sh)
                                 after the scenarios, and print each store's rate as a multiple of the peer's
        """;

    public static BenchSettings Parse(string[] args)
    {
        var settings = new BenchSettings();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--scenario":
                    settings.Scenarios.Clear();
                    settings.Scenarios.UnionWith(Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "--store":
                    settings.Stores.Clear();
                    settings.Stores.AddRange(Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "--mode":
                    settings.Modes.Clear();
                    settings.Modes.AddRange(Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case "--quick":
                    settings.Quick = true;
                    settings.SizesName = "quick";
                    settings.ChainLength = 10;
                    settings.FanWidth = 10;
                    settings.SmallWorkflows = 50;
                    settings.DagSteps = 300;
                    settings.RawDuration = TimeSpan.FromSeconds(0.5);
                    break;
                case "--peer-sizes":
                    settings.SizesName = "peer";
                    settings.ChainLength = 50;
                    settings.FanWidth = 100;
                    settings.SmallWorkflows = 1_000;
                    break;
                case "--replicas":
                    settings.Replicas.Clear();
                    settings.Replicas.AddRange(Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(count => int.Parse(count, NumberStyles.Integer, CultureInfo.InvariantCulture)));
                    break;
                case "--repeat": settings.Repeat = Math.Max(1, NextInt()); break;
                case "--chain": settings.ChainLength = NextInt(); break;
                case "--chains": settings.ChainWorkflows = NextInt(); break;
                case "--fan": settings.FanWidth = NextInt(); break;
                case "--small": settings.SmallWorkflows = NextInt(); break;
                case "--dag": settings.DagSteps = NextInt(); break;
                case "--executor-capacity": settings.ExecutorCapacity = NextInt(); break;
                case "--raw-seconds": settings.RawDuration = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)); break;
                case "--sqlite-synchronous": settings.SqliteSynchronous = Next(); break;
                case "--json": settings.JsonPath = Next(); break;
                case "--postgres": settings.PostgresConnectionString = Next(); break;
                case "--orchestrator": settings.OrchestratorAddress = Next(); break;
                case "--executor": settings.ExecutorAddress = Next(); break;
                case "--peer-script": settings.PeerScript = Next(); break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'.\n\n{Usage}");
            }
        }

        return settings;
    }
}
