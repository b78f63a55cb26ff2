namespace Api.Keys;

public static class KeysServiceCollectionExtensions
{
    /// <summary>Personal API keys: their store and settings (their sign-in is part of the API's authentication).</summary>
    public static WebApplicationBuilder AddApiKeys(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiKeyOptions>().Bind(builder.Configuration.GetSection(ApiKeyOptions.SectionName));
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddSingleton<Auth.IApiKeyResolver>(services => services.GetRequiredService<ApiKeyStore>());
        builder.Services.AddSingleton<RunningKeyCalls>();
        builder.Services.AddSingleton<RecentSignIn>();
        builder.Services.AddSingleton<KeyOwnerActivity>();
        builder.Services.AddSingleton<Auth.IUserSignInListener>(services => services.GetRequiredService<KeyOwnerActivity>());
        builder.Services.AddSingleton<KeyRevocations>();
        builder.Services.AddHostedService(services => services.GetRequiredService<KeyRevocations>());
        builder.Services.AddHostedService<RevokedKeyWatcher>();
        return builder;
    }
}
