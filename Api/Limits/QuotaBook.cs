using Microsoft.Extensions.Options;

namespace Api.Limits;

/// <summary>
/// The quotas admins set, held in memory by every replica and read again from the store every
/// <see cref="RefreshEvery"/> (and at once after this replica changed one): a change made on any replica applies
/// everywhere within that time, and a request never waits for a table read to know its limits. While the store is
/// away, the quotas last read stay in force.
/// </summary>
public sealed class QuotaBook(QuotaStore store, IOptions<UserLimitsOptions> defaults, ILogger<QuotaBook> logger) : BackgroundService
{
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(5);

    private volatile IReadOnlyDictionary<(QuotaScope, string), Quota> _quotas = new Dictionary<(QuotaScope, string), Quota>();

    // One read at a time: a read started before a change, and answered after the change's own read, would otherwise
    // put the old quotas back (for up to RefreshEvery). Reads in turn are applied in the order they read the store.
    private readonly SemaphoreSlim _reading = new(1, 1);

    /// <summary>The limits of a user (by id) in these groups.</summary>
    public EffectiveLimits For(string userId, IReadOnlyList<string> groups)
    {
        var quotas = _quotas;
        var mine = quotas.GetValueOrDefault((QuotaScope.User, userId));
        var theirs = groups.Select(g => (Group: g, Quota: quotas.GetValueOrDefault((QuotaScope.Group, g)))).Where(q => q.Quota is not null).ToList();
        var fallback = defaults.Value;
        int Pick(int? own, Func<Quota, int?> value, int otherwise) =>
            own ?? (theirs.Select(q => value(q.Quota!)).Where(v => v is not null).Max() ?? otherwise);
        var allowed = mine?.AllowedModels ?? (theirs.Any(q => q.Quota!.AllowedModels is not null)
            ? theirs.Where(q => q.Quota!.AllowedModels is not null).SelectMany(q => q.Quota!.AllowedModels!).ToList()
            : null);
        return new EffectiveLimits(
            Pick(mine?.RequestsPerMinute, q => q.RequestsPerMinute, fallback.RequestsPerMinute),
            Pick(mine?.ConcurrentStreams, q => q.ConcurrentStreams, fallback.ConcurrentStreams),
            mine?.DailyTokens ?? fallback.OutputTokensPerDay,
            allowed?.ToHashSet(StringComparer.Ordinal),
            [.. theirs.Where(q => q.Quota!.DailyTokens is not null).Select(q => new GroupBudget(q.Group, q.Quota!.DailyTokens!.Value))]);
    }

    /// <summary>Reads every quota again now.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _reading.WaitAsync(cancellationToken);
        try
        {
            var all = await store.ListAsync(cancellationToken);
            _quotas = all.ToDictionary(q => (q.Scope, q.Id), q => q.Quota);
        }
        finally
        {
            _reading.Release();
        }
    }

    public override void Dispose()
    {
        _reading.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshEvery);
        try
        {
            do
            {
                try
                {
                    await RefreshAsync(stoppingToken);
                }
                catch (Exception ex) when (Infrastructure.StorageFailures.IsUnavailable(ex) || ex is Azure.RequestFailedException)
                {
                    logger.LogWarning("The quotas could not be read again; the last ones read stay in force: {Reason}", ex.GetBaseException().Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
    }
}
