using System.Runtime.InteropServices;
using GrpcWorkflows.Cli.Admin;
using GrpcWorkflows.Cli.Commands;
using GrpcWorkflows.Cli.Control;
using GrpcWorkflows.Cli.Embedded;
using GrpcWorkflows.Cli.Help;
using GrpcWorkflows.Cli.Inspecting;
using GrpcWorkflows.Cli.Running;
using GrpcWorkflows.Cli.Schedules;
using GrpcWorkflows.Cli.StoredWorkflows;
using GrpcWorkflows.Cli.Validation;
using GrpcWorkflows.Cli.Watching;
using Spectre.Console;
using Spectre.Console.Cli;

if (Console.IsOutputRedirected)
{
    // Tables written to a file or a pipe keep their rows on one line instead of wrapping at 80 columns.
    AnsiConsole.Profile.Width = 240;
}

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("gwf");
    config.SetHelpProvider(new ExitCodeHelpProvider(config.Settings));
    config.Settings.CancellationExitCode = ExitCodes.Interrupted;
    config.SetExceptionHandler((exception, _) =>
    {
        if (exception is CommandAppException)
        {
            Console.Error.WriteLine($"gwf: {exception.Message} (gwf --help lists the commands; gwf COMMAND --help their options)");
            return ExitCodes.BadInput;
        }

        Console.Error.WriteLine($"gwf: unexpected error: {exception.GetType().Name}: {exception.Message}");
        return ExitCodes.OtherError;
    });

    config.AddCommand<RunCommand>("run")
        .WithDescription("Submit a workflow definition and show its steps live until it ends; prints the result. The execution id is printed first; Ctrl-C asks whether to cancel the execution (--cancel-on-interrupt cancels without asking) or leaves it running. With no --address/GWF_ADDRESS and nothing at http://127.0.0.1:5100, starts an embedded orchestrator (memory storage) with the built-in executors and those of gwf.executors.json for the run; input steps read files under the definition's folder; a workflow needing a chat endpoint that is not set is skipped (exit code 5).")
        .WithExample("run", "examples/simple_workflow.json")
        .WithExample("run", "examples/parallel_workflow.json", "--input", "customer=acme", "--output", "json")
        .WithExample("run", "--ref", "parallel_workflow@2");
    config.AddCommand<SubmitCommand>("submit")
        .WithDescription("Submit a workflow definition and print the execution id without waiting.")
        .WithExample("submit", "examples/simple_workflow.json", "--idempotency-key", "nightly-2026-11-26");
    config.AddCommand<WatchCommand>("watch")
        .WithDescription("Replay an execution's events from a sequence, then follow the live ones until it ends (resuming if the connection breaks). Each line starts with the event's sequence (#N, for --from-sequence) and its time since the execution was created.")
        .WithExample("watch", "EXECUTION_ID", "--from-sequence", "5");
    config.AddCommand<StatusCommand>("status")
        .WithDescription("Show an execution: state, every step's state, attempts and duration, step outputs (cut short unless --full), figures and result.")
        .WithExample("status", "01JD3", "--full");
    config.AddCommand<ListCommand>("list")
        .WithDescription("List executions, newest first.")
        .WithExample("list", "--state", "failed")
        .WithExample("list", "--label", "team=data", "--since", "2h");
    config.AddCommand<CancelCommand>("cancel")
        .WithDescription("Cancel an execution; in-flight attempts are cancelled at their executors.");
    config.AddCommand<RetryCommand>("retry")
        .WithDescription("Run a failed or cancelled execution's failed, skipped and cancelled steps again, keeping the outputs of the steps that succeeded.")
        .WithExample("retry", "EXECUTION_ID", "--watch");
    config.AddCommand<SignalCommand>("signal")
        .WithDescription("Send a named signal to an execution: its steps waiting for it (wait_for_signal) succeed with the payload as their output.")
        .WithExample("signal", "EXECUTION_ID", "approval", "--data", "{\"approved\": true, \"by\": \"ada\"}");
    config.AddCommand<ValidateCommand>("validate")
        .WithDescription("Check a definition: every problem with its file, line and field path, or the execution plan (levels, width, critical path). Exit code 0 when valid, 2 otherwise.")
        .WithExample("validate", "examples/parallel_workflow.json");
    config.AddCommand<ExecutorsCommand>("executors")
        .WithDescription("List the executor endpoints the orchestrator knows: step types, health, in-flight calls, circuit state; with --schemas, each step type's declared input schema.")
        .WithExample("executors", "--schemas", "--type", "input");
    config.AddCommand<DevCommand>("dev")
        .WithDescription("Start an orchestrator (SQLite under .data/ by default), the built-in executors (input, process, ai, output) and those listed in gwf.executors.json as separate processes on 127.0.0.1, print their addresses, and stop them all on Ctrl-C. Exit code 4 with one line saying what to do when the port is taken.")
        .WithExample("dev")
        .WithExample("dev", "--storage", "memory", "--port", "0")
        .WithExample("dev", "--data-root", "examples");
    config.AddBranch("workflow", workflow =>
    {
        workflow.SetDescription("Stored, versioned workflow definitions: run them with gwf run --ref ID[[@VERSION]].");
        workflow.AddCommand<WorkflowRegisterCommand>("register")
            .WithDescription("Store a definition under its id as a new immutable version (the latest version again when nothing changed). Checked as a submission is: every problem by file, line and field path, exit code 2.")
            .WithExample("workflow", "register", "examples/parallel_workflow.json");
        workflow.AddCommand<WorkflowListCommand>("list")
            .WithDescription("List the stored workflows of the namespace: latest version, step count, registration time, description.");
        workflow.AddCommand<WorkflowGetCommand>("get")
            .WithDescription("Show one stored version (the latest without @VERSION) and its definition.")
            .WithExample("workflow", "get", "parallel_workflow@1", "-o", "json");
        workflow.AddCommand<WorkflowDeleteCommand>("delete")
            .WithDescription("Delete a stored workflow: no new runs (by reference or as a sub-workflow); its versions stay for the executions that ran them.")
            .WithExample("workflow", "delete", "parallel_workflow");
    });
    config.AddBranch("schedule", schedule =>
    {
        schedule.SetDescription("Run stored workflows at the times of a cron expression, each time exactly once; their executions carry the labels schedule and schedule_time.");
        schedule.AddCommand<ScheduleCreateCommand>("create")
            .WithDescription("Create a schedule of a stored workflow: --cron (5 fields, 6 with seconds, or @daily), --time-zone, --jitter, --start/--end, --overlap skip|buffer-one|allow-all|cancel-running, --catch-up-window and --catch-up all|last after downtime.")
            .WithExample("schedule", "create", "nightly", "--ref", "parallel_workflow", "--cron", "0 2 * * *", "--time-zone", "Europe/Paris")
            .WithExample("schedule", "create", "every-10s", "--ref", "parallel_workflow@1", "--cron", "*/10 * * * * *", "--overlap", "buffer-one");
        schedule.AddCommand<ScheduleListCommand>("list")
            .WithDescription("List the schedules of the namespace: workflow, cron, next and last time, runs started, paused or active.");
        schedule.AddCommand<ScheduleGetCommand>("get")
            .WithDescription("Show a schedule: its settings, next and last time, running executions, fired, skipped and missed counts, last error.")
            .WithExample("schedule", "get", "nightly");
        schedule.AddCommand<SchedulePauseCommand>("pause")
            .WithDescription("Pause a schedule: no time fires until it is resumed; running executions go on.")
            .WithExample("schedule", "pause", "nightly", "--note", "database maintenance");
        schedule.AddCommand<ScheduleResumeCommand>("resume")
            .WithDescription("Resume a paused schedule from its next time after now (use backfill for the times it missed while paused).")
            .WithExample("schedule", "resume", "nightly");
        schedule.AddCommand<ScheduleBackfillCommand>("backfill")
            .WithDescription("Start one run per scheduled time of a range (both ends included, at most 1000 times), whatever the overlap policy; a time that already started its run is not started again.")
            .WithExample("schedule", "backfill", "nightly", "--from", "2026-11-01T00:00:00Z", "--to", "2026-11-07T00:00:00Z");
        schedule.AddCommand<ScheduleDeleteCommand>("delete")
            .WithDescription("Delete a schedule; the executions it started stay.")
            .WithExample("schedule", "delete", "nightly");
    });
    config.AddBranch("admin", admin =>
    {
        admin.SetDescription("Operate on an orchestrator's files.");
        admin.AddCommand<BackupCommand>("backup")
            .WithDescription("Copy the orchestrator's SQLite file into a new, self-contained backup file, consistent even while the orchestrator runs (VACUUM INTO), and check it. Exit code 0 when written and checked, 2 for a missing database or an existing destination, 4 when the copy fails.")
            .WithExample("admin", "backup", "backups/2026-12-01.db", "--database", ".data/grpcworkflows.db");
    });
});

using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl-C stops gracefully (children stopped, the embedded orchestrator shut down); a second one kills.
    e.Cancel = !interrupt.IsCancellationRequested;
    interrupt.Cancel();
};
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    interrupt.Cancel();
});

return await app.RunAsync(args, interrupt.Token);
