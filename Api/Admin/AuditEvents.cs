namespace Api.Admin;

/// <summary>The audit trail's log records: one per admin action, shipped with the API's logs to Log Analytics.</summary>
internal static partial class AuditEvents
{
    [LoggerMessage(EventId = 7001, EventName = "AdminAction", Level = LogLevel.Information,
        Message = "Admin action {Action} on {Target} by {ActorId} ({Role}), request {RequestId}: {Detail}")]
    public static partial void AdminActionRecorded(ILogger logger, string action, string target, string actorId, string role, string requestId, string detail);
}
