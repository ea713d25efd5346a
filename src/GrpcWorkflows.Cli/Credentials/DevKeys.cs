using System.Security.Cryptography;
using System.Text;

namespace GrpcWorkflows.Cli.Credentials;

/// <summary>
/// The two API keys of one <c>gwf dev</c> session: <see cref="Admin"/> for the CLI (saved to the
/// credentials file) and <see cref="Executor"/> for the executors it starts. The orchestrator gets
/// only their SHA-256 hashes.
/// </summary>
internal sealed record DevKeys(string Admin, string Executor)
{
    /// <summary>The environment variable the SDK executors read their key from (<c>Executor:ApiKey</c>).</summary>
    public const string SdkExecutorVariable = "Executor__ApiKey";

    /// <summary>The environment variable other executors (the Node one, <c>gwf.executors.json</c>) read their key from.</summary>
    public const string ExecutorVariable = "GWF_API_KEY";

    /// <summary>Two new random keys (256 bits each).</summary>
    public static DevKeys Create() => new(NewKey(), NewKey());

    /// <summary>The orchestrator's <c>Auth</c> settings: authentication required, these two keys by hash, both covering every namespace (and every step type for the executors').</summary>
    public IReadOnlyList<string> OrchestratorArguments() =>
    [
        "--Auth:Mode=Required",
        "--Auth:ApiKeys:0:Name=gwf-dev-admin",
        "--Auth:ApiKeys:0:Role=admin",
        $"--Auth:ApiKeys:0:Sha256={Sha256(Admin)}",
        "--Auth:ApiKeys:0:Namespaces:0=*",
        "--Auth:ApiKeys:1:Name=gwf-dev-executors",
        "--Auth:ApiKeys:1:Role=executor",
        $"--Auth:ApiKeys:1:Sha256={Sha256(Executor)}",
        "--Auth:ApiKeys:1:Namespaces:0=*",
        "--Auth:ApiKeys:1:StepTypes:0=*",
    ];

    /// <summary>The environment of an executor process: its key under both names.</summary>
    public IReadOnlyDictionary<string, string> ExecutorEnvironment() => new Dictionary<string, string>
    {
        [SdkExecutorVariable] = Executor,
        [ExecutorVariable] = Executor,
    };

    private static string NewKey() => "gwf_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Sha256(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
