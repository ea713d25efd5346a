using System.Globalization;
using GrpcWorkflows.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Cli.Help;
using Spectre.Console.Rendering;

namespace GrpcWorkflows.Cli.Help;

/// <summary>Spectre's help, with the exit codes of <see cref="ExitCodes"/> listed at the end of every <c>--help</c>.</summary>
internal sealed class ExitCodeHelpProvider(ICommandAppSettings settings) : HelpProvider(settings)
{
    /// <inheritdoc />
    public override IEnumerable<IRenderable> GetFooter(ICommandModel model, ICommandInfo? command)
    {
        var lines = ExitCodes.All.Select(c => string.Create(CultureInfo.InvariantCulture, $"    {c.Code,-5}{c.Meaning}"));
        return
        [
            .. base.GetFooter(model, command),
            new Text("\nEXIT CODES:\n" + string.Join('\n', lines) + "\n"),
        ];
    }
}
