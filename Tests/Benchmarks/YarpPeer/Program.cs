// A minimal YARP reverse proxy: every request to the destination given as --destination, nothing else. The
// benchmark's floor for what a .NET proxy adds to a streamed reply.
using Yarp.ReverseProxy.Configuration;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var destination = builder.Configuration["destination"] ?? throw new InvalidOperationException("Pass --destination http://host:port/");
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "ollama", Match = new RouteMatch { Path = "{**catch-all}" } }],
    [new ClusterConfig { ClusterId = "ollama", Destinations = new Dictionary<string, DestinationConfig> { ["fake"] = new() { Address = destination } } }]);

var app = builder.Build();
app.MapReverseProxy();
app.Run();
