namespace Api.Infrastructure;

/// <summary>
/// With <c>Diagnostics:ReplicaHeader</c> on, every response names the replica that served it (<c>X-Api-Replica</c>,
/// its process id): for tests and diagnosis of several replicas behind one address. Off by default.
/// </summary>
public static class ReplicaHeader
{
    public const string Name = "X-Api-Replica";

    public static IApplicationBuilder UseReplicaHeader(this WebApplication app)
    {
        if (!app.Configuration.GetValue("Diagnostics:ReplicaHeader", false))
        {
            return app;
        }

        var replica = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return app.Use((context, next) =>
        {
            context.Response.Headers[Name] = replica;
            return next(context);
        });
    }
}
