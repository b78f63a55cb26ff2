using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Tests.Infrastructure;

namespace Tests.Deployment;

/// <summary>The deployment as the AppHost model generates it now, built once for the tests that inspect it.</summary>
public sealed class GeneratedDeployment : IAsyncLifetime
{
    public IReadOnlyDictionary<string, string> Files { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["--operation", "publish", "--Storage:DataDirectory="]).WaitAsync(TestTimeouts.AppStart);
        Files = await global::AppHost.Deployment.AksDeployment.RenderAsync(new DistributedApplicationModel(builder.Resources), builder.ExecutionContext, Repository.Root, CancellationToken.None)
            .WaitAsync(TestTimeouts.Request);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
