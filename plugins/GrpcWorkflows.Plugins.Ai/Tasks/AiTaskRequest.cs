using GrpcWorkflows.Executor;
using GrpcWorkflows.Plugins.Ai.Internal;

namespace GrpcWorkflows.Plugins.Ai.Tasks;

/// <summary>What a task runs on: the attempt and its validated-on-read input.</summary>
/// <param name="Step">The attempt (dependencies, workflow input).</param>
/// <param name="Input">The step's input.</param>
internal sealed record AiTaskRequest(StepContext Step, InputReader Input);
