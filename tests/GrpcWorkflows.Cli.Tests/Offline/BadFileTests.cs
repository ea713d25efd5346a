using GrpcWorkflows.Cli.Tests.Infrastructure;

namespace GrpcWorkflows.Cli.Tests.Offline;

public sealed class BadFileTests
{
    [Fact]
    public async Task Run_MalformedJson_NamesFileLineAndColumnAndExits2()
    {
        var result = await Gwf.RunAsync(["run", Gwf.WorkflowPath("malformed.json"), "--address", Gwf.ClosedAddress()]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("malformed.json", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("line 4", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownFieldInYaml_NamesTheFieldAndExits2()
    {
        var result = await Gwf.RunAsync(["run", Gwf.WorkflowPath("unknown_field.yaml"), "--address", Gwf.ClosedAddress()]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown_field.yaml", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("dependz_on", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MissingFile_SaysSoAndExits2()
    {
        var result = await Gwf.RunAsync(["run", "no/such/workflow.json", "--address", Gwf.ClosedAddress()]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["gwf: no/such/workflow.json: no such file."], result.ErrorLines);
    }

    [Fact]
    public async Task Run_BadInputOption_NamesTheOptionAndExits2()
    {
        var result = await Gwf.RunAsync(["run", Gwf.ExamplePath("simple_workflow.json"), "--input", "novalue", "--address", Gwf.ClosedAddress()]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--input 'novalue': expected KEY=VALUE", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCommand_Exits2WithoutStackTrace()
    {
        var result = await Gwf.RunAsync(["frobnicate"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.ErrorLines);
        Assert.Contains("frobnicate", result.StandardError, StringComparison.Ordinal);
    }
}
