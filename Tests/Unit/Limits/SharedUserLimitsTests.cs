using Api.Limits;
using Api.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Tests.Infrastructure;

namespace Tests.Unit.Limits;

/// <summary>The shared limits' scripts, run by a real Garnet: a window that refuses the request over the limit, and stream slots that free.</summary>
public sealed class SharedUserLimitsTests
{
    [Fact]
    public async Task CountRequest_OverTheLimit_RefusedWithTheWait()
    {
        using var garnet = await GarnetServer.StartAsync();
        await using var store = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
        var limits = new SharedUserLimits(new SharedStore(TimeProvider.System, NullLogger<SharedStore>.Instance, store));

        var waits = new List<TimeSpan?>();
        for (var i = 0; i < 6; i++)
        {
            waits.Add(await limits.CountRequestAsync("u_test", limit: 5));
        }

        Assert.All(waits.Take(5), w => Assert.Null(w));
        Assert.InRange(waits[5]!.Value, TimeSpan.FromSeconds(50), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task StreamSlots_AllBusy_RefusedUntilOneIsGivenBack()
    {
        using var garnet = await GarnetServer.StartAsync();
        await using var store = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
        var limits = new SharedUserLimits(new SharedStore(TimeProvider.System, NullLogger<SharedStore>.Instance, store));

        var first = await limits.TryStartStreamAsync("u_test", limit: 1);
        var second = await limits.TryStartStreamAsync("u_test", limit: 1);
        first!.Dispose();
        await Task.Delay(200, TestContext.Current.CancellationToken);
        var third = await limits.TryStartStreamAsync("u_test", limit: 1);

        Assert.NotNull(first);
        Assert.Null(second);
        Assert.NotNull(third);
    }
}
