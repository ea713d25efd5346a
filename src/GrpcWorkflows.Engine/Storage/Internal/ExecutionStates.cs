using GrpcWorkflows.V1;

namespace GrpcWorkflows.Engine.Storage.Internal;

/// <summary>Facts about <see cref="ExecutionState"/> values that stores share.</summary>
internal static class ExecutionStates
{
    /// <summary>True for SUCCEEDED, FAILED and CANCELLED.</summary>
    public static bool IsTerminal(ExecutionState state) =>
        state is ExecutionState.Succeeded or ExecutionState.Failed or ExecutionState.Cancelled;
}
