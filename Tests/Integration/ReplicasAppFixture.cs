using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Tests.Integration;

/// <summary>
/// The app with two API replicas (<c>WithReplicas(2)</c>) behind the AppHost's address, sharing the AppHost's store
/// (Garnet here): one model slot (so admission across replicas is visible), a queue long enough for a heavy user's
/// backlog, generous per-user limits except where a test sets its own, keys cached for ten minutes. Responses name their replica (X-Api-Replica).
/// </summary>
public sealed class ReplicasAppFixture : AppFixture
{
    public const int RequestsPerMinute = 60;

    protected override Task ConfigureAsync(IDistributedApplicationTestingBuilder builder, IResourceBuilder<ProjectResource> api)
    {
        api.WithReplicas(2)
            .WithEnvironment("Diagnostics__ReplicaHeader", "true")
            .WithEnvironment("Llm__Admission__SlotsPerServer", "1")
            .WithEnvironment("Llm__Admission__MaxQueue", "100")
            // The fairness test queues one user's backlog of 50: a share as large as the queue.
            .WithEnvironment("Llm__Admission__MaxQueuedPerUser", "100")
            .WithEnvironment("Llm__Admission__QueueTimeout", "00:01:00")
            .WithEnvironment("Limits__RequestsPerMinute", RequestsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("Limits__ConcurrentStreams", "60")
            .WithEnvironment("Limits__OutputTokensPerDay", "1000000")
            .WithEnvironment("Conversations__MaxMessagesPerConversation", "400")
            .WithEnvironment("Replies__AbandonAfter", "00:00:10")
            // Long enough that a key revoked on one replica can be known gone on the other only by the word sent through the store.
            .WithEnvironment("ApiKeys__CacheDuration", "00:10:00");
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class ReplicasAppCollection : ICollectionFixture<ReplicasAppFixture>
{
    public const string Name = "AppWithTwoApiReplicas";
}
