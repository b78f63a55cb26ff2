using Aspire.Hosting.ApplicationModel;

namespace AppHost;

/// <summary>
/// The Redis-compatible store the API replicas share (limits, admission, reply logs): the Redis container through
/// the official integration where containers run and when deploying (an in-cluster Redis, docs/deploy.md), Garnet
/// from a dotnet tool elsewhere, so <c>dotnet run</c> needs no Docker. Both give the same <c>host:port</c> connection
/// string to the API's Redis client integration.
/// </summary>
internal static class SharedStoreHosting
{
    public static IResourceBuilder<IResourceWithConnectionString> Add(IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode || ContainerRuntimeProbe.IsAvailable(builder))
        {
            return builder.AddRedis(ResourceNames.Cache);
        }

        return builder.AddGarnet(ResourceNames.Cache);
    }
}
