namespace Api.OpenAi;

public static class OpenAiServiceCollectionExtensions
{
    /// <summary>The OpenAI-compatible routes' adapters to the model pipeline.</summary>
    public static IServiceCollection AddOpenAiRoute(this IServiceCollection services) => services.AddSingleton<CompletionService>().AddSingleton<EmbeddingService>();
}
