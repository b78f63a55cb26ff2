using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Tests.TestDoubles.Ollama;

namespace Tests.Integration;

/// <summary>The app with a fallback backend: a second Ollama double serving a small model, as a CPU fallback would.</summary>
public sealed class FallbackAppFixture : AppFixture
{
    public const string FallbackModel = "qwen2.5:0.5b-cpu-fallback";

    public OllamaDouble FallbackOllama { get; private set; } = null!;

    protected override async Task ConfigureAsync(IDistributedApplicationTestingBuilder builder, IResourceBuilder<ProjectResource> api)
    {
        FallbackOllama = await OllamaDouble.StartAsync(FallbackModel);
        FallbackOllama.RunningSizeVram = 0;
        var connectionString = $"Endpoint={FallbackOllama.Endpoint};Model={FallbackModel}";
        api.WithEnvironment("ConnectionStrings__chat-fallback", connectionString);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (FallbackOllama is not null)
        {
            await FallbackOllama.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class FallbackAppCollection : ICollectionFixture<FallbackAppFixture>
{
    public const string Name = "AppWithFallback";
}
