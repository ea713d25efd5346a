namespace GrpcWorkflows.Engine.Planning;

/// <summary>When a step may run given its dependencies' outcomes (<c>StepDefinition.trigger</c>).</summary>
internal enum TriggerRule
{
    /// <summary><c>all_succeeded</c>, the default: every dependency succeeded (or failed and continues); any other outcome skips the step.</summary>
    AllSucceeded,

    /// <summary><c>all_done</c>: every dependency ended, whatever its outcome.</summary>
    AllDone,

    /// <summary><c>none_failed</c>: every dependency ended and none failed or was cancelled; skipped ones are fine.</summary>
    NoneFailed,

    /// <summary><c>one_succeeded</c>: one dependency succeeded (or failed and continues); skipped when all ended without one.</summary>
    OneSucceeded,
}

/// <summary>The names of the trigger rules in definitions.</summary>
internal static class TriggerRules
{
    /// <summary>Every accepted name, in the order the documentation lists them.</summary>
    public static readonly string[] Names = ["all_succeeded", "all_done", "none_failed", "one_succeeded"];

    /// <summary>The rule of a name; empty is the default. False for an unknown name.</summary>
    public static bool TryParse(string name, out TriggerRule rule)
    {
        rule = name switch
        {
            "" or "all_succeeded" => TriggerRule.AllSucceeded,
            "all_done" => TriggerRule.AllDone,
            "none_failed" => TriggerRule.NoneFailed,
            "one_succeeded" => TriggerRule.OneSucceeded,
            _ => (TriggerRule)(-1),
        };
        return rule >= 0;
    }
}
