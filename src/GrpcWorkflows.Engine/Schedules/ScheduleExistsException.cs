namespace GrpcWorkflows.Engine.Schedules;

/// <summary>Thrown when a schedule is created with an id its namespace already has.</summary>
public sealed class ScheduleExistsException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ScheduleExistsException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ScheduleExistsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public ScheduleExistsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a schedule of a namespace.</summary>
    public ScheduleExistsException(string scheduleNamespace, string scheduleId)
        : base($"The namespace '{scheduleNamespace}' already has a schedule '{scheduleId}'; delete it first or choose another id.")
    {
    }
}
