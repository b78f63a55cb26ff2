namespace Api.Limits;

/// <summary>A group's daily output-token budget, shared by its members on every replica.</summary>
public sealed record GroupBudget(string Group, int DailyTokens);

/// <summary>
/// What one user may use now: their requests a minute, streams at once and output tokens a day (theirs, else the most
/// generous of their groups', else the defaults), the models their quotas allow (null: every one the catalogue lets
/// them use), and the budgets of their groups that have one.
/// </summary>
public sealed record EffectiveLimits(int RequestsPerMinute, int ConcurrentStreams, int OutputTokensPerDay, IReadOnlySet<string>? AllowedModels, IReadOnlyList<GroupBudget> GroupBudgets)
{
    public bool AllowsModel(string model) => AllowedModels is null || AllowedModels.Contains(model);
}
