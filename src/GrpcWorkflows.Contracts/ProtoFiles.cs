namespace GrpcWorkflows.V1;

/// <summary>Facts about the contract that are not in the generated code.</summary>
public static class ContractInfo
{
    /// <summary>The protobuf package of every GrpcWorkflows message and service.</summary>
    public const string Package = "grpcworkflows.v1";
}
