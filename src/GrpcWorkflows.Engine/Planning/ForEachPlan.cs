using GrpcWorkflows.Engine.DataFlow;

namespace GrpcWorkflows.Engine.Planning;

/// <summary>A <c>for_each</c> step's fan-out, compiled: where its array comes from and how many items may run at once.</summary>
/// <param name="Source">The single reference of <c>for_each.items</c> (workflow input or a dependency's output).</param>
/// <param name="MaxParallel">The most items in flight at once (int.MaxValue when unset).</param>
internal sealed record ForEachPlan(TemplateReference Source, int MaxParallel);
