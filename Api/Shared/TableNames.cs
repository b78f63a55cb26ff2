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

    public static IReadOnlyList<string> All { get; } = [Conversations, ApiKeys];
}
