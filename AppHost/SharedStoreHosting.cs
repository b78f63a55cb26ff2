using Aspire.Hosting.ApplicationModel;

namespace AppHost;

/// <summary>
/// The Redis-compatible store the API replicas share (limits, admission, reply logs): the Redis container through
/// the official integration where containers run and when deploying (an in-cluster Redis, docs/deploy.md), Garnet
/// from a dotnet tool elsewhere, so <c>dotnet run</c> needs no Docker. Both give the same <c>host:port</c> connection
/// string to the API's Redis client integration, and both refuse every connection that does not authenticate with
/// <c>password</c>, which the API reads from the vault (<see cref="Api.Shared.SharedStoreConnection.PasswordSecretName"/>).
/// </summary>
internal static class SharedStoreHosting
{
    /// <summary>An exact Redis release (docker-library/official-images pull request 21096: 8.6.2, a maintenance release).</summary>
    public const string RedisImageTag = "8.6.2";

    public static IResourceBuilder<IResourceWithConnectionString> Add(IDistributedApplicationBuilder builder, IResourceBuilder<ParameterResource> password)
    {
        if (builder.ExecutionContext.IsPublishMode || ContainerRuntimeProbe.IsAvailable(builder))
        {
            // Aspire.Hosting.Redis 13.6.5 pins "8.6", a tag that moves with every patch release: the cluster would run
            // whichever 8.6.x was imported first. Pinned to one release here.
            return builder.AddRedis(ResourceNames.Cache, port: null, password).WithImageTag(RedisImageTag);
        }

        return builder.AddGarnet(ResourceNames.Cache, password);
    }
}
