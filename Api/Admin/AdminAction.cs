namespace Api.Admin;

/// <summary>
/// One admin action as the audit trail keeps it: when, which request (its id makes the record once), who (the
/// caller's user id and the role that allowed it), what (<c>usage.read</c>, <c>key.revoke</c>...), on what, and the
/// request's parameters.
/// </summary>
public sealed record AdminAction(DateTimeOffset At, string RequestId, string ActorId, string Role, string Action, string Target, string Detail);
