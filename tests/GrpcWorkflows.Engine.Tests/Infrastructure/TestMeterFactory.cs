using System.Diagnostics.Metrics;

namespace GrpcWorkflows.Engine.Tests.Infrastructure;

/// <summary>An <see cref="IMeterFactory"/> for tests: creates meters and disposes them with itself.</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options);
        lock (_meters)
        {
            _meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        lock (_meters)
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }

            _meters.Clear();
        }
    }
}
