using Microsoft.Extensions.Azure;

namespace Api.Conversations;

public static class ConversationsServiceCollectionExtensions
{
    /// <summary>Conversations in Table Storage, and the history each replica keeps warm.</summary>
    public static WebApplicationBuilder AddConversations(this WebApplicationBuilder builder)
    {
        builder.AddAzureTableServiceClient("tables", configureClientBuilder: client => client.ConfigureOptions(ConversationStoreClient.FailFast));
        builder.Services.AddOptions<ConversationOptions>().Bind(builder.Configuration.GetSection(ConversationOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ConversationVersions>();
        builder.Services.AddSingleton<ConversationStore>();
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<ConversationHistoryCache>();
        return builder;
    }
}
