using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Api.Llm;

public static class LlmServiceCollectionExtensions
{
    /// <summary>
    /// The chat client over OllamaSharp when the <c>chat</c> connection string is present; otherwise a client that
    /// fails fast with the reason, so the API still serves history and reports the LLM unavailable.
    /// </summary>
    public static IHostApplicationBuilder AddLlm(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LlmOptions>()
            .Bind(builder.Configuration.GetSection(LlmOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.DefaultMaxOutputTokens <= o.MaxOutputTokensCap, "Llm:DefaultMaxOutputTokens must not exceed Llm:MaxOutputTokensCap.")
            .Validate(o => o.DefaultTemperature <= o.MaxTemperature, "Llm:DefaultTemperature must not exceed Llm:MaxTemperature.")
            .ValidateOnStart();

        var catalog = LlmModelCatalog.FromConfiguration(builder.Configuration);
        builder.Services.AddSingleton(catalog);

        if (catalog.Endpoint is not null)
        {
            // An LLM outage must not take the API out of rotation: history still works.
            builder.AddOllamaApiClient(LlmOptions.PrimaryConnectionName, settings => settings.HealthCheckFailureStatus = HealthStatus.Degraded)
                .AddChatClient();
        }
        else
        {
            var reason = builder.Configuration[$"{LlmOptions.SectionName}:{nameof(LlmOptions.UnavailableReason)}"];
            builder.Services.AddSingleton<IChatClient>(new UnavailableChatClient(
                string.IsNullOrWhiteSpace(reason) ? $"No LLM is configured (the connection string '{LlmOptions.PrimaryConnectionName}' is missing)." : reason));
        }

        builder.Services.AddSingleton<LlmGateway>();
        builder.Services.AddSingleton<LlmStatusService>();
        return builder;
    }
}
