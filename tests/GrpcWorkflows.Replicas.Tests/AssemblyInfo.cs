// Every test starts several orchestrator processes on one PostgreSQL server: one at a time on a 2-core machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
