namespace Api.Safety;

public static class SafetyServiceCollectionExtensions
{
    /// <summary>The system prompt with its canary, and the safety settings (injection policy, leak guard, prompt logging).</summary>
    public static WebApplicationBuilder AddSafety(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SafetyOptions>().Bind(builder.Configuration.GetSection(SafetyOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SystemPromptProvider>();
        return builder;
    }
}
