using Api.Llm;
using Api.Replies;
using Api.Streaming;
using Api.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Tests.Infrastructure;

namespace Tests.Unit.Replies;

/// <summary>A reply's log in a real Garnet: ordered entries, its owner, its conversation's pointer, and its end.</summary>
public sealed class ReplyLogStoreTests
{
    [Fact]
    public async Task Log_KeepsEntriesInOrder_AndItsEndClearsOnlyItsOwnPointer()
    {
        using var garnet = await GarnetServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
        var logs = new ReplyLogStore(new SharedStore(TimeProvider.System, NullLogger<SharedStore>.Instance, connection), Options.Create(new ReplyOptions()), Options.Create(new LlmOptions()));
        var (first, second) = (ReplyIds.New(), ReplyIds.New());
        var conversation = Guid.NewGuid().ToString("N");

        await logs.BeginAsync(first, "u1", conversation);
        await logs.AppendAsync(first, ["delta\n{\"text\":\"a\"}", "delta\n{\"text\":\"b\"}"], first: true);
        await logs.AppendAsync(first, ["done\n{}"], first: false);
        Assert.Equal(first, await logs.ActiveAsync("u1", conversation));
        Assert.True(await logs.IsAliveAsync(first));
        await logs.EndAsync(first, "u1", conversation);

        Assert.Null(await logs.ActiveAsync("u1", conversation));
        Assert.False(await logs.IsAliveAsync(first));
        Assert.Equal(["delta\n{\"text\":\"b\"}", "done\n{}"], (await logs.ReadAsync(first, 1)).Select(v => v.ToString()));
        // The log still says whose it is after its end (a late reconnect is checked against it), and no one else's.
        Assert.True(await logs.BelongsToAsync(first, "u1", conversation));
        Assert.False(await logs.BelongsToAsync(first, "u2", conversation));

        // A newer reply in the same conversation keeps its pointer when an older one ends.
        await logs.BeginAsync(first, "u1", conversation);
        await logs.BeginAsync(second, "u1", conversation);
        await logs.EndAsync(first, "u1", conversation);
        Assert.Equal(second, await logs.ActiveAsync("u1", conversation));
    }
}
