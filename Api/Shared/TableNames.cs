namespace Api.Shared;

/// <summary>
/// The tables the API keeps its data in, named once: the API's options default to them, the backup job exports them
/// all, and the AppHost writes them into the deployment plan, from which Bicep creates them (Cosmos DB for Table
/// cannot create a table with data-plane access alone).
/// </summary>
public static class TableNames
{
    public const string Conversations = "conversations";
    public const string ApiKeys = "apikeys";

    /// <summary>The admins' usage ledger: a partition per day, each request's row and the day's roll-ups.</summary>
    public const string Usage = "usage";

    /// <summary>The admins' audit trail: appended to, never changed.</summary>
    public const string AdminAudit = "adminaudit";

    /// <summary>The quotas admins set per user and per group.</summary>
    public const string Quotas = "quotas";

    public static IReadOnlyList<string> All { get; } = [Conversations, ApiKeys, Usage, AdminAudit, Quotas];
}
