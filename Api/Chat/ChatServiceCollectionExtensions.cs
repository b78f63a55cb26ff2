namespace Api.Chat;

public static class ChatServiceCollectionExtensions
{
    /// <summary>The chat routes: their adapter to the model pipeline, the turn's stream and its one write, titles, the outbox.</summary>
    public static WebApplicationBuilder AddChat(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TurnPersistenceOptions>().Bind(builder.Configuration.GetSection(TurnPersistenceOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<TitleGenerator>();
        builder.Services.AddSingleton<TurnOutbox>();
        builder.Services.AddSingleton<TurnRecorder>();
        builder.Services.AddSingleton<TurnCompletion>();
        builder.Services.AddSingleton<TurnStreamer>();
        builder.Services.AddSingleton<ChatTurnService>();
        builder.Services.AddHostedService<TurnOutboxWriter>();
        return builder;
    }
}
