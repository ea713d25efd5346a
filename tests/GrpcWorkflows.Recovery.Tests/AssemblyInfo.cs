// The recovery tests time kills and retry delays against wall-clock deadlines: run them one at a time
// so that one test's orchestrator restarts do not slow the other's on a 2-core machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
