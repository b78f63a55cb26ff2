using System.Net;
using Api.Llm;
using Api.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Tests.Infrastructure;

namespace Tests.Unit.Llm;

/// <summary>
/// Admission to a backend: per replica without a store; with a real Garnet, one capacity for several replicas and a
/// queue served fairly across users; the server count that sets the capacity.
/// </summary>
public sealed class LlmAdmissionTests
{
    private static LlmAdmission Local(int slots, int queue, TimeSpan wait) =>
        new("primary", new LlmAdmissionOptions { SlotsPerServer = slots, MaxQueue = queue, QueueTimeout = wait }, new ModelServerCount(1));

    [Fact]
    public async Task TryAcquire_SlotsThenQueueThenRefusal()
    {
        await using var admission = Local(2, 1, TimeSpan.FromSeconds(5));
        var ct = TestContext.Current.CancellationToken;

        using var first = await admission.TryAcquireAsync("u1", ct);
        using var second = await admission.TryAcquireAsync("u1", ct);
        var queued = admission.TryAcquireAsync("u1", ct);
        var refused = await admission.TryAcquireAsync("u1", ct);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(refused);
        Assert.Equal(2, admission.InFlight);
        Assert.Equal(1, admission.Queued);
        Assert.False(queued.IsCompleted);

        first!.Dispose();
        using var promoted = await queued.WaitAsync(TimeSpan.FromSeconds(5), ct);
        Assert.NotNull(promoted);
        Assert.Equal(0, admission.Queued);
        Assert.Equal(2, admission.InFlight);
    }

    /// <summary>
    /// Issue 30, finding 15: one user holds at most <c>MaxQueuedPerUser</c> places of the queue, with the store (the
    /// script counts the user's tickets, across replicas) and without it (each replica its share), so a few users cannot
    /// fill it for everyone. Past the share a request is refused as a full queue is; another user still gets a place,
    /// and a place the user gives back is theirs to take again.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OneUser_HoldsNoMoreOfTheQueueThanTheirShare(bool shared)
    {
        using var garnet = shared ? await GarnetServer.StartAsync() : null;
        await using var connection = garnet is null ? null : await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
        var store = connection is null ? null : new SharedStore(TimeProvider.System, NullLogger<SharedStore>.Instance, connection);
        var options = new LlmAdmissionOptions { SlotsPerServer = 1, MaxQueue = 10, MaxQueuedPerUser = 3, QueueTimeout = TimeSpan.FromSeconds(30) };
        await using var a = new LlmAdmission("primary", options, new ModelServerCount(1), store);
        await using var b = shared ? new LlmAdmission("primary", options, new ModelServerCount(1), store) : a;
        var ct = TestContext.Current.CancellationToken;
        using var leaving = CancellationTokenSource.CreateLinkedTokenSource(ct);

        var held = await a.TryAcquireAsync("heavy", ct);
        // Three places, taken through both replicas when there are two.
        var queued = new List<Task<IDisposable?>> { a.TryAcquireAsync("heavy", leaving.Token), b.TryAcquireAsync("heavy", ct), a.TryAcquireAsync("heavy", ct) };
        await WaitUntil(() => a.Queued + (shared ? b.Queued : 0) == 3, ct);
        var fourth = await b.TryAcquireAsync("heavy", ct);
        var light = b.TryAcquireAsync("light", ct);
        await WaitUntil(() => a.Queued + (shared ? b.Queued : 0) == 4, ct);

        // One of the user's places given back (the caller left): the user may queue again.
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued[0]);
        var again = a.TryAcquireAsync("heavy", ct);
        await WaitUntil(() => a.Queued + (shared ? b.Queued : 0) == 4, ct);

        Assert.NotNull(held);
        Assert.Null(fourth);
        Assert.False(light.IsCompleted);
        Assert.False(again.IsCompleted);
        held!.Dispose();
        var waiting = new List<Task<IDisposable?>> { light, queued[1], queued[2], again };
        while (waiting.Count > 0)
        {
            var next = await Task.WhenAny(waiting).WaitAsync(TimeSpan.FromSeconds(30), ct);
            waiting.Remove(next);
            using var slot = await next;
            Assert.NotNull(slot);
        }
    }

    [Fact]
    public async Task TryAcquire_QueueWaitRunsOut_Refused()
    {
        await using var admission = Local(1, 1, TimeSpan.FromMilliseconds(200));
        var ct = TestContext.Current.CancellationToken;
        using var held = await admission.TryAcquireAsync("u1", ct);

        var waited = await admission.TryAcquireAsync("u1", ct);

        Assert.Null(waited);
        Assert.Equal(0, admission.Queued);
    }

    [Fact]
    public async Task Local_WithoutTheStore_TheQueueIsFairAcrossUsersToo()
    {
        await using var admission = Local(1, 20, TimeSpan.FromSeconds(30));
        var ct = TestContext.Current.CancellationToken;
        var order = new List<string>();
        var first = await admission.TryAcquireAsync("heavy", ct);
        var heavy = Enumerable.Range(0, 10).Select(i => Serve("heavy", $"heavy{i}")).ToList();
        await WaitUntil(() => admission.Queued == 10, ct);
        var light = Serve("light", "light");
        await WaitUntil(() => admission.Queued == 11, ct);

        first!.Dispose();
        await Task.WhenAll([.. heavy, light]).WaitAsync(TimeSpan.FromSeconds(30), ct);

        Assert.Equal(0, order.IndexOf("light"));
        Assert.Equal(11, order.Count);
        Assert.Equal(0, admission.InFlight);

        async Task Serve(string user, string name)
        {
            using var slot = await admission.TryAcquireAsync(user, ct);
            Assert.NotNull(slot);
            lock (order)
            {
                order.Add(name);
            }

            await Task.Delay(10, ct);
        }
    }

    [Fact]
    public async Task Local_ACallerThatLeavesTheQueue_GivesUpItsPlace_AndTheNextIsServed()
    {
        await using var admission = Local(1, 5, TimeSpan.FromSeconds(30));
        var ct = TestContext.Current.CancellationToken;
        var held = await admission.TryAcquireAsync("a", ct);
        using var leaving = new CancellationTokenSource();
        var gone = admission.TryAcquireAsync("b", leaving.Token);
        var staying = admission.TryAcquireAsync("c", ct);
        await WaitUntil(() => admission.Queued == 2, ct);

        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gone);
        held!.Dispose();
        using var next = await staying.WaitAsync(TimeSpan.FromSeconds(5), ct);

        Assert.NotNull(next);
        Assert.Equal(0, admission.Queued);
        Assert.Equal(1, admission.InFlight);
    }

    [Fact]
    public async Task Shared_TwoReplicas_HoldOneCapacityBetweenThem()
    {
        using var garnet = await GarnetServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
        var store = new SharedStore(TimeProvider.System, NullLogger<SharedStore>.Instance, connection);
        var options = new LlmAdmissionOptions { SlotsPerServer = 2, Servers = 2, MaxQueue = 0, QueueTimeout = TimeSpan.FromSeconds(1) };
        await using var a = new LlmAdmission("primary", options, new ModelServerCount(options.Servers), store);
        await using var b = new LlmAdmission("primary", options, new ModelServerCount(options.Servers), store);
        var ct = TestContext.Current.CancellationToken;

        var held = new List<IDisposable?>();
        for (var i = 0; i < 3; i++)
        {
            held.Add(await a.TryAcquireAsync("u1", ct));
            held.Add(await b.TryAcquireAsync("u2", ct));
        }

        Assert.Equal(4, held.Count(h => h is not null));
        Assert.Equal(4, a.InFlight + b.InFlight);
        held.First(h => h is not null)!.Dispose();
        Assert.NotNull(await b.TryAcquireAsync("u3", ct));
    }

    [Fact]
    public async Task Shared_QueueFull_RefusedAtOnce()
    {
        using var garnet = await GarnetServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
        var store = new SharedStore(TimeProvider.System, NullLogger<SharedStore>.Instance, connection);
        var options = new LlmAdmissionOptions { SlotsPerServer = 1, MaxQueue = 1, QueueTimeout = TimeSpan.FromSeconds(30) };
        await using var admission = new LlmAdmission("primary", options, new ModelServerCount(1), store);
        var ct = TestContext.Current.CancellationToken;
        using var held = await admission.TryAcquireAsync("u1", ct);
        var waiting = admission.TryAcquireAsync("u1", ct);
        await WaitUntil(() => admission.Queued == 1, ct);

        var started = TimeProvider.System.GetTimestamp();
        var refused = await admission.TryAcquireAsync("u2", ct);

        Assert.Null(refused);
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(1), "A full queue must refuse at once.");
        held!.Dispose();
        using var promoted = await waiting.WaitAsync(TimeSpan.FromSeconds(5), ct);
        Assert.NotNull(promoted);
    }

    [Fact]
    public async Task Shared_FairQueue_AnotherUsersFirstRequestGoesBeforeTheHeavyUsersBacklog()
    {
        using var garnet = await GarnetServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
        var store = new SharedStore(TimeProvider.System, NullLogger<SharedStore>.Instance, connection);
        // A share as large as the queue: this test is about the order, not the share.
        var options = new LlmAdmissionOptions { SlotsPerServer = 1, MaxQueue = 100, MaxQueuedPerUser = 100, QueueTimeout = TimeSpan.FromSeconds(60) };
        await using var a = new LlmAdmission("primary", options, new ModelServerCount(1), store);
        await using var b = new LlmAdmission("primary", options, new ModelServerCount(1), store);
        var ct = TestContext.Current.CancellationToken;
        var order = new List<string>();
        var first = await a.TryAcquireAsync("heavy", ct);
        var heavy = Enumerable.Range(0, 50).Select(i => Serve(a, "heavy", $"heavy{i}")).ToList();
        await WaitUntil(() => a.Queued == 50, ct);
        var light = Serve(b, "light", "light");
        await WaitUntil(() => b.Queued == 1, ct);

        first!.Dispose();
        await Task.WhenAll([.. heavy, light]).WaitAsync(TimeSpan.FromSeconds(60), ct);

        // Tags tie at the head (the heavy user's first queued ticket and the light user's): the later arrival goes first.
        Assert.Equal(0, order.IndexOf("light"));
        Assert.Equal(51, order.Count);

        async Task Serve(LlmAdmission admission, string user, string name)
        {
            using var slot = await admission.TryAcquireAsync(user, ct);
            Assert.NotNull(slot);
            lock (order)
            {
                order.Add(name);
            }

            await Task.Delay(20, ct);
        }
    }

    [Fact]
    public async Task ServerCount_FollowsTheHostsAddresses_AndKeepsTheLastCountWhenTheLookupFails()
    {
        var answers = new Queue<Func<IPAddress[]>>([
            () => [IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2"), IPAddress.Parse("10.0.0.3")],
            () => throw new System.Net.Sockets.SocketException(11001),
            () => [IPAddress.Parse("10.0.0.1")],
        ]);
        using var servers = new ModelServerCount(1, "ollama-pods", (_, _) => Task.FromResult(answers.Dequeue()()));
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(3, await servers.RefreshOnceAsync(ct));
        Assert.Equal(3, await servers.RefreshOnceAsync(ct));
        Assert.Equal(1, await servers.RefreshOnceAsync(ct));
    }

    private static async Task WaitUntil(Func<bool> condition, CancellationToken ct)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50, ct);
        }

        Assert.True(condition(), "The condition did not come true in 10 s.");
    }
}
