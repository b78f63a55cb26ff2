namespace Api.OpenAi;

public static class OpenAiServiceCollectionExtensions
{
    /// <summary>The OpenAI-compatible route's adapter to the model pipeline.</summary>
    public static IServiceCollection AddOpenAiRoute(this IServiceCollection services) => services.AddSingleton<CompletionService>();
}
