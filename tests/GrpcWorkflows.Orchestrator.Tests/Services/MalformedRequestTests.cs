using Google.Protobuf;
using Grpc.Core;
using GrpcWorkflows.Orchestrator.Tests.Infrastructure;
using GrpcWorkflows.Testing;
using GrpcWorkflows.V1;

namespace GrpcWorkflows.Orchestrator.Tests.Services;

/// <summary>Bytes that are not a valid request get INVALID_ARGUMENT, and the orchestrator keeps serving.</summary>
public sealed class MalformedRequestTests
{
    /// <summary>A SubmitWorkflow method whose request marshaller sends raw bytes.</summary>
    private static readonly Method<byte[], SubmitWorkflowResponse> RawSubmit = new(
        MethodType.Unary,
        WorkflowService.Descriptor.FullName,
        "SubmitWorkflow",
        Marshallers.Create<byte[]>(bytes => bytes, bytes => bytes),
        Marshallers.Create(response => response.ToByteArray(), SubmitWorkflowResponse.Parser.ParseFrom));

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "truncated", [0x0a, 0x10, 0x0a] },
        { "bad wire type", [0x0f, 0x01] },
        { "invalid UTF-8 string", [0x1a, 0x02, 0xc3, 0x28] },
        { "nested past the recursion limit", Nested(200) },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task SubmitWorkflow_MalformedProtobuf_InvalidArgumentAndStillServing(string what, byte[] body)
    {
        await using var orchestrator = await TestOrchestrator.StartAsync();
        var invoker = orchestrator.Channel.CreateCallInvoker();

        var error = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(RawSubmit, null, new CallOptions(), body).ResponseAsync.DefaultTimeout());

        Assert.True(error.StatusCode == StatusCode.InvalidArgument, $"{what}: {error.Status}");
        Assert.DoesNotContain("   at ", error.Status.Detail, StringComparison.Ordinal);
        var listed = await orchestrator.Workflows.ListExecutionsAsync(new ListExecutionsRequest()).ResponseAsync.DefaultTimeout();
        Assert.Empty(listed.Executions);
    }

    /// <summary>A SubmitWorkflowRequest whose definition's first step input nests structs <paramref name="depth"/> levels deep.</summary>
    private static byte[] Nested(int depth)
    {
        // Struct.fields (1) -> map entry value (2) -> Value.struct_value (5) -> Struct ... as raw length-delimited bytes.
        byte[] inner = [];
        for (var i = 0; i < depth; i++)
        {
            var value = Prefix(0x2a, inner);                // Value.struct_value
            var entry = Concat([0x0a, 0x01, (byte)'x'], Prefix(0x12, value)); // key "x", value
            inner = Prefix(0x0a, entry);                    // Struct.fields entry
        }

        return Prefix(0x12, inner);                         // SubmitWorkflowRequest.input
    }

    private static byte[] Prefix(byte tag, byte[] body)
    {
        var length = new List<byte>();
        var n = (uint)body.Length;
        do
        {
            var b = (byte)(n & 0x7f);
            n >>= 7;
            length.Add(n == 0 ? b : (byte)(b | 0x80));
        }
        while (n != 0);

        return Concat([tag, .. length], body);
    }

    private static byte[] Concat(byte[] a, byte[] b) => [.. a, .. b];
}
