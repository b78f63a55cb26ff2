using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Aspire.Hosting;

public static class GarnetResourceBuilderExtensions
{
    /// <summary>
    /// Adds Garnet from the repository's dotnet tool manifest (<c>dotnet tool run garnet-server</c>), listening on
    /// loopback with Lua scripting on (<c>EVAL</c> is off by default), every connection required to authenticate with
    /// <paramref name="password"/> (<c>--auth Password</c>, as Redis's <c>requirepass</c>), and healthy once it answers
    /// PING. The connection string carries no password: consumers read it where the deployment keeps it.
    /// </summary>
    public static IResourceBuilder<GarnetResource> AddGarnet(this IDistributedApplicationBuilder builder, string name, IResourceBuilder<ParameterResource> password)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(password);
        var resource = new GarnetResource(name, builder.AppHostDirectory, password.Resource);
        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(resource, async (_, cancellationToken) =>
            connectionString = $"{await resource.ConnectionStringExpression.GetValueAsync(cancellationToken)},password={await password.Resource.GetValueAsync(cancellationToken)}");
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis(_ => connectionString ?? throw new InvalidOperationException("Garnet has no connection string yet."), healthCheck);

        return builder.AddResource(resource)
            .WithEndpoint(name: GarnetResource.EndpointName, scheme: "tcp")
            .WithArgs(context =>
            {
                context.Args.Add("tool");
                context.Args.Add("run");
                context.Args.Add("garnet-server");
                context.Args.Add("--");
                context.Args.Add("--port");
                context.Args.Add(resource.Endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("--bind");
                context.Args.Add("127.0.0.1");
                context.Args.Add("--lua");
                // Each script runs as a transaction (its keys locked), as every script runs alone on Redis: without
                // it, Garnet runs scripts on different connections at once, and two replicas' reservations race.
                context.Args.Add("--lua-transaction-mode");
                context.Args.Add("--auth");
                context.Args.Add("Password");
                context.Args.Add("--password");
                context.Args.Add(password.Resource);
            })
            .WithHealthCheck(healthCheck);
    }
}
