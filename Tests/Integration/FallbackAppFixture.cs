using Tests.Infrastructure;
using Tests.TestDoubles.Ollama;

namespace Tests.Integration;

/// <summary>The app with a fallback backend: a second Ollama double serving a small model, as a CPU fallback would.</summary>
public sealed class FallbackAppFixture : AppFixture
{
    public const string FallbackModel = "qwen2.5:0.5b-cpu-fallback";

    public OllamaDouble FallbackOllama { get; private set; } = null!;

    /// <summary>The default model's fallback (the catalogue's fast model) on an Ollama of its own, on CPU.</summary>
    protected override async Task<IEnumerable<string>> ArgumentsAsync()
    {
        FallbackOllama = await OllamaDouble.StartAsync(FallbackModel);
        FallbackOllama.RunningSizeVram = 0;
        // Declared without tools here, to prove the refusal of tools for a model that cannot call them.
        return [$"--Models:{Catalogue.Fast}:Endpoint={FallbackOllama.Endpoint}", $"--Models:{Catalogue.Fast}:DevelopmentTag={FallbackModel}", $"--Models:{Catalogue.Fast}:Tools=false"];
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
