namespace GrpcWorkflows.Engine.Conditions;

/// <summary>A condition that cannot be parsed or evaluated; the message says where and why.</summary>
internal sealed class ConditionException(string message) : Exception(message);
