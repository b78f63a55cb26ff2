namespace Api.Streaming;

public static class StreamingServiceCollectionExtensions
{
    /// <summary>What every route that streams a reply shares: the SSE settings, the shutdown drain, the guarded reader.</summary>
    public static WebApplicationBuilder AddStreaming(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ChatStreamOptions>().Bind(builder.Configuration.GetSection(ChatStreamOptions.SectionName));
        builder.Services.AddOptions<ShutdownOptions>().Bind(builder.Configuration.GetSection(ShutdownOptions.SectionName));
        builder.Services.AddSingleton<ShutdownDrain>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ShutdownDrain>());
        builder.Services.AddSingleton<GuardedReplyReader>();

        // SIGTERM: streams drain, then end with server_shutting_down; the host gives them the drain plus time to save.
        var shutdown = builder.Configuration.GetSection(ShutdownOptions.SectionName).Get<ShutdownOptions>() ?? new ShutdownOptions();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = shutdown.DrainTimeout + shutdown.FinishTimeout);
        return builder;
    }
}
