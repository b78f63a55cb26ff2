using Api.Limits;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Tests.Unit.Limits;

/// <summary>
/// The quotas every replica holds: a change read at once after it is made is never undone by a read that started
/// before it (the replica's timer read, in flight while the admin's change landed), and the effective limits follow
/// the documented order (the user's own, else the most generous of their groups', else the defaults).
/// </summary>
public sealed class QuotaBookTests
{
    private static readonly Quota GroupBudget = new(45, null, null, null);

    /// <summary>A store whose first read waits until it is let go, and answers what the store held when it began: no quota.</summary>
    private sealed class SlowFirstRead() : QuotaStore(new TableServiceClient("UseDevelopmentStorage=true"))
    {
        private int _reads;

        public TaskCompletionSource FirstStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource LetFirstGo { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<IReadOnlyList<StoredQuota>> ListAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _reads) == 1)
            {
                FirstStarted.SetResult();
                await LetFirstGo.Task.WaitAsync(cancellationToken);
                return [];
            }

            return [new StoredQuota(QuotaScope.Group, "team", GroupBudget, "W/\"2\"", "admin", DateTimeOffset.UtcNow)];
        }
    }

    [Fact]
    public async Task AReadStartedBeforeAChange_NeverPutsTheOldQuotasBack()
    {
        var store = new SlowFirstRead();
        using var book = new QuotaBook(store, Options.Create(new UserLimitsOptions()), NullLogger<QuotaBook>.Instance);
        var cancellation = TestContext.Current.CancellationToken;

        // The timer's read begins (it will answer: no quota); meanwhile an admin's change lands and is read again at once.
        var timerRead = book.RefreshAsync(cancellation);
        await store.FirstStarted.Task.WaitAsync(cancellation);
        var changeRead = book.RefreshAsync(cancellation);
        store.LetFirstGo.SetResult();
        await Task.WhenAll(timerRead, changeRead);

        Assert.Equal([new GroupBudget("team", 45)], book.For("someone", ["team"]).GroupBudgets);
    }

    [Fact]
    public async Task EffectiveLimits_TheUsersOwn_ElseTheMostGenerousGroups_ElseTheDefaults()
    {
        var defaults = new UserLimitsOptions { RequestsPerMinute = 20, ConcurrentStreams = 2, OutputTokensPerDay = 1000 };
        var quotas = new Dictionary<(QuotaScope, string), Quota>
        {
            [(QuotaScope.User, "ada")] = new(null, 5, null, ["chat"]),
            [(QuotaScope.Group, "small")] = new(100, 10, 3, ["chat-fast"]),
            [(QuotaScope.Group, "large")] = new(null, 50, 1, ["embed"]),
        };
        using var book = new QuotaBook(new FixedStore(quotas), Options.Create(defaults), NullLogger<QuotaBook>.Instance);
        await book.RefreshAsync(TestContext.Current.CancellationToken);

        var ada = book.For("ada", ["small", "large"]);
        var bob = book.For("bob", ["small", "large"]);
        var eve = book.For("eve", []);

        Assert.Equal((5, 3, 1000, "chat"), (ada.RequestsPerMinute, ada.ConcurrentStreams, ada.OutputTokensPerDay, string.Join(',', ada.AllowedModels!.Order())));
        Assert.Equal((50, 3, 1000, "chat-fast,embed"), (bob.RequestsPerMinute, bob.ConcurrentStreams, bob.OutputTokensPerDay, string.Join(',', bob.AllowedModels!.Order())));
        Assert.Equal([new GroupBudget("small", 100)], bob.GroupBudgets);
        // docs/admin.md: a group's allowedModels narrows what its members may use and keeps nothing from anyone else
        // (a model is kept for some people in the catalogue: AllowedGroups, AllowedRoles).
        Assert.Equal((20, 2, 1000, (IReadOnlySet<string>?)null), (eve.RequestsPerMinute, eve.ConcurrentStreams, eve.OutputTokensPerDay, eve.AllowedModels));
    }

    private sealed class FixedStore(Dictionary<(QuotaScope Scope, string Id), Quota> quotas) : QuotaStore(new TableServiceClient("UseDevelopmentStorage=true"))
    {
        public override Task<IReadOnlyList<StoredQuota>> ListAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<StoredQuota>>([.. quotas.Select(q => new StoredQuota(q.Key.Scope, q.Key.Id, q.Value, "e", "admin", DateTimeOffset.UtcNow))]);
    }
}
