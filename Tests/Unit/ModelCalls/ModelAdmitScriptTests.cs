using Api.Shared;
using StackExchange.Redis;
using Tests.Infrastructure;

namespace Tests.Unit.ModelCalls;

/// <summary>
/// The one call with the shared store (<c>model-admit.lua</c>, issue 18), run by a real Garnet: the parts in the
/// pipeline's order, each refusal with its outcome, and what the parts before a refusal took given back, except the
/// request's count. The store must stay usable throughout: a script it refuses would leave each replica on its own.
/// </summary>
public sealed class ModelAdmitScriptTests : IAsyncLifetime
{
    private static readonly string Script = StoreScripts.Load("model-admit.lua");
    private GarnetServer? _garnet;
    private ConnectionMultiplexer? _connection;
    private readonly string _user = "u_" + Guid.NewGuid().ToString("N")[..10];

    private IDatabase Db => _connection!.GetDatabase();

    public async ValueTask InitializeAsync()
    {
        _garnet = await GarnetServer.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_garnet.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _garnet?.Dispose();
    }

    private RedisKey[] Keys => [$"{_user}:rpm", $"{_user}:streams", $"{_user}:reserved", $"{_user}:settled", "b:slots", $"b:{_user}:queue", "b:waiting", "b:tags", "b:virtual"];

    private async Task<(long Outcome, long Value)> AdmitAsync(string id, int rpm = 10, int streams = 5, long seed = 0, int quota = 1_000, int wanted = 100, int capacity = 5, int maxQueue = 10)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var answer = (RedisResult[])(await Db.ScriptEvaluateAsync(Script, Keys,
        [
            now, 1, 60_000, rpm, $"r-{id}", 1, 900_000, streams, $"s-{id}",
            1, 900_000, seed, quota, wanted, $"t-{id}", 93_600_000,
            30_000, capacity, maxQueue, $"k-{id}", _user, 3_000, 3_600_000,
        ]))!;
        return ((long)answer[0], (long)answer[1]);
    }

    private async Task<(long Requests, long Streams, long Reservations, long Slots)> HeldAsync() =>
        (await Db.SortedSetLengthAsync(Keys[0]), await Db.SortedSetLengthAsync(Keys[1]), await Db.SortedSetLengthAsync(Keys[2]), await Db.SortedSetLengthAsync(Keys[4]));

    [Fact]
    public async Task ConversationVersion_IsReadInTheSameCall_AndOnlyEverRaised()
    {
        var raise = StoreScripts.Load("conversation-version.lua");
        RedisKey version = $"{_user}:conversation:version";
        async Task<long> Admitted()
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var answer = (RedisResult[])(await Db.ScriptEvaluateAsync(Script, [.. Keys, version],
            [
                now, 0, 60_000, 10, "r", 0, 900_000, 5, "s", 1, 900_000, 0, 1_000, 1, $"t-{Guid.NewGuid():N}", 93_600_000,
                30_000, 100, 10, $"k-{Guid.NewGuid():N}", _user, 3_000, 3_600_000,
            ]))!;
            Assert.Equal(0, (long)answer[0]);
            return (long)answer[2];
        }

        Assert.Equal(-1, await Admitted());
        Assert.Equal(3, (long)await Db.ScriptEvaluateAsync(raise, [version], [3, 600_000]));
        Assert.Equal(3, await Admitted());
        // A writer finishing late, or a reader seeding an older read, never lowers it.
        Assert.Equal(3, (long)await Db.ScriptEvaluateAsync(raise, [version], [2, 600_000]));
        Assert.Equal(3, await Admitted());
        Assert.Equal(4, (long)await Db.ScriptEvaluateAsync(raise, [version], [4, 600_000]));
        Assert.Equal(4, await Admitted());
        Assert.InRange((await Db.KeyTimeToLiveAsync(version))!.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task OneCall_CountsTakesReservesAndAdmits()
    {
        Assert.Equal((0, 100), await AdmitAsync("a"));
        Assert.Equal((1, 1, 1, 1), await HeldAsync());
        Assert.Equal("0", (string?)await Db.StringGetAsync(Keys[3]));
    }

    [Fact]
    public async Task OverTheMinute_RefusesWithTheWait_AndTakesNothingElse()
    {
        Assert.Equal(0, (await AdmitAsync("a", rpm: 1)).Outcome);
        var (outcome, wait) = await AdmitAsync("b", rpm: 1);

        Assert.Equal(2, outcome);
        Assert.InRange(wait, 1, 60_000);
        Assert.Equal((1, 1, 1, 1), await HeldAsync());
    }

    [Fact]
    public async Task StreamsBusy_Refuses_TheRequestStillCounts()
    {
        Assert.Equal(0, (await AdmitAsync("a", streams: 1)).Outcome);

        Assert.Equal(3, (await AdmitAsync("b", streams: 1)).Outcome);
        Assert.Equal((2, 1, 1, 1), await HeldAsync());
    }

    [Fact]
    public async Task NothingLeftOfTheDay_Refuses_AndGivesTheStreamBack()
    {
        Assert.Equal((0, 100), await AdmitAsync("a", seed: 900));

        Assert.Equal(4, (await AdmitAsync("b", seed: 900)).Outcome);
        Assert.Equal((2, 1, 1, 1), await HeldAsync());
    }

    [Fact]
    public async Task TheDaysTotalUnknown_AsksForIt_AndGivesTheStreamBack()
    {
        Assert.Equal(5, (await AdmitAsync("a", seed: -1)).Outcome);
        Assert.Equal((1, 0, 0, 0), await HeldAsync());

        Assert.Equal((0, 50), await AdmitAsync("a", seed: 950));
    }

    [Fact]
    public async Task QueueFull_Refuses_AndGivesTheStreamAndTheReservationBack()
    {
        Assert.Equal(0, (await AdmitAsync("a", capacity: 1, maxQueue: 1)).Outcome);
        Assert.Equal(1, (await AdmitAsync("b", capacity: 1, maxQueue: 1)).Outcome);

        Assert.Equal(6, (await AdmitAsync("c", capacity: 1, maxQueue: 1)).Outcome);
        Assert.Equal((3, 2, 2, 1), await HeldAsync());
    }
}
