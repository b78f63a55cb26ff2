using Api.Shared;
using StackExchange.Redis;

namespace Tests.Unit.Shared;

/// <summary>
/// What counts as "the store is away": every such failure sends the request down its per-replica path instead of
/// ending it in a 500. Found in a CI run on a busy machine: StackExchange.Redis found a dead socket, dropped the
/// connection and cancelled the admission script in flight (a TaskCanceledException with no token), and the chat
/// completion it belonged to answered 500.
/// </summary>
public sealed class SharedStoreFailureTests
{
    [Fact]
    public void TheClientsOwnFailures_AndACommandItCancelled_AreStoreFailures()
    {
        Assert.True(SharedStore.IsStoreFailure(new RedisConnectionException(ConnectionFailureType.SocketClosed, "closed")));
        Assert.True(SharedStore.IsStoreFailure(new RedisTimeoutException("timeout", CommandStatus.Sent)));
        Assert.True(SharedStore.IsStoreFailure(new TimeoutException()));
        Assert.True(SharedStore.IsStoreFailure(new ObjectDisposedException("multiplexer")));
        // What StackExchange.Redis throws for a message it cancelled when it dropped a dead connection.
        var dropped = new TaskCompletionSource<RedisResult>();
        dropped.TrySetCanceled(CancellationToken.None);
        Assert.True(SharedStore.IsStoreFailure(Assert.ThrowsAny<OperationCanceledException>(() => dropped.Task.GetAwaiter().GetResult())));
    }

    [Fact]
    public void TheCallersOwnCancellation_AndBugs_AreNot()
    {
        using var left = new CancellationTokenSource();
        left.Cancel();

        Assert.False(SharedStore.IsStoreFailure(new OperationCanceledException(left.Token)));
        Assert.False(SharedStore.IsStoreFailure(new TaskCanceledException("the client left", null, left.Token)));
        Assert.False(SharedStore.IsStoreFailure(new InvalidOperationException()));
        Assert.False(SharedStore.IsStoreFailure(new NullReferenceException()));
    }
}
