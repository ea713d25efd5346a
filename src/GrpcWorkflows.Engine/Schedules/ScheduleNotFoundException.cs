namespace GrpcWorkflows.Engine.Schedules;

/// <summary>Thrown when a schedule does not exist in the namespace asked for.</summary>
public sealed class ScheduleNotFoundException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ScheduleNotFoundException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ScheduleNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public ScheduleNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a schedule of a namespace.</summary>
    public ScheduleNotFoundException(string scheduleNamespace, string scheduleId)
        : base($"No schedule '{(scheduleId.Length <= 128 ? scheduleId : scheduleId[..128])}' in the namespace '{scheduleNamespace}'.")
    {
    }
}
