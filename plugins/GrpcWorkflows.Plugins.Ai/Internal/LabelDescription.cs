namespace GrpcWorkflows.Plugins.Ai.Internal;

/// <summary>A classification label and the text that is embedded for it.</summary>
internal sealed record LabelDescription(string Label, string Description);
