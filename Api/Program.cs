using Microsoft.Extensions.Azure;
using Api.Auth;
using Api.Backups;
using Api.Chat;
using Api.Conversations;
using Api.Infrastructure;
using Api.Keys;
using Api.Limits;
using Api.Llm;
using Api.OpenAi;
using Api.Replies;
using Api.Safety;
using Api.Shared;

// The same image runs the scheduled table backups (and restores): `Api backup`, `Api restore <blob> <table>`.
if (BackupCommand.IsCommand(args))
{
    return await BackupCommand.RunAsync(args);
}

// And the integrity audit: `Api audit [partition]` (docs/operations in docs/deploy.md).
if (AuditCommand.IsCommand(args))
{
    return await AuditCommand.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();

// Bodies are refused while they are read: 1 MB for any route, less where a route's contract allows (WithBodyLimit).
// Kestrel's own header limit sits above ours, so an oversized header block gets a coded 431 from us, not a bare one.
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Limits.MaxRequestBodySize = 1024 * 1024;
    kestrel.Limits.MaxRequestHeadersTotalSize = 3 * RequestLimits.MaxRequestHeadersBytes;
});

// Deployments pass the vault URI; run mode passes the same secrets as configuration (AppHost parameters).
if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("secrets")))
{
    builder.Configuration.AddAzureKeyVaultSecrets("secrets");
}

builder.AddApiAuthentication();
builder.AddAzureTableServiceClient("tables", configureClientBuilder: client => client.ConfigureOptions(ConversationStoreClient.FailFast));
builder.AddLlm();
builder.AddMetricsEndpoint();

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = ProblemCodes.AddCode);
builder.Services.AddExceptionHandler<StorageUnavailableHandler>();
builder.Services.AddOpenApi();
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));

builder.Services.AddOptions<ConversationOptions>().Bind(builder.Configuration.GetSection(ConversationOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddOptions<UserLimitsOptions>().Bind(builder.Configuration.GetSection(UserLimitsOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddOptions<ChatStreamOptions>().Bind(builder.Configuration.GetSection(ChatStreamOptions.SectionName));
builder.Services.AddOptions<TurnPersistenceOptions>().Bind(builder.Configuration.GetSection(TurnPersistenceOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddOptions<ShutdownOptions>().Bind(builder.Configuration.GetSection(ShutdownOptions.SectionName));
builder.Services.AddOptions<SafetyOptions>().Bind(builder.Configuration.GetSection(SafetyOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();

builder.Services.AddSingleton<ConversationStore>();
builder.Services.AddMemoryCache();
builder.Services.AddOptions<ApiKeyOptions>().Bind(builder.Configuration.GetSection(ApiKeyOptions.SectionName));
builder.Services.AddSingleton<ApiKeyStore>();
builder.Services.AddSingleton<ConversationHistoryCache>();
// The shared store (Garnet or Redis) makes the replicas behave as one: per-user limits, admission to the model servers,
// and the logs that let a reply be resumed from any replica. Optional: without it, or while it is away, each replica
// works on its own (SharedStore).
var sharedStoreConfigured = !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(SharedStore.ConnectionName));
if (sharedStoreConfigured)
{
    builder.AddRedisClient(SharedStore.ConnectionName, settings => settings.DisableHealthChecks = true, options =>
    {
        // A store that is away costs a request at most a second (then its users fall back to each replica for a few
        // seconds); commands issued while the connection is being made wait for it rather than fail.
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 2_000;
        options.AsyncTimeout = 1_000;
    });
}

builder.Services.AddSingleton(services => new SharedStore(
    services.GetRequiredService<TimeProvider>(),
    services.GetRequiredService<ILogger<SharedStore>>(),
    sharedStoreConfigured ? services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>() : null));
builder.Services.AddSingleton(services => new UserRequestLimiter(
    services.GetRequiredService<Microsoft.Extensions.Options.IOptions<UserLimitsOptions>>(),
    services.GetRequiredService<SharedStore>()));
builder.Services.AddHealthChecks().AddCheck<SharedStoreHealthCheck>(SharedStoreHealthCheck.Name);
builder.Services.AddOptions<ReplyOptions>().Bind(builder.Configuration.GetSection(ReplyOptions.SectionName));
builder.Services.AddSingleton<ReplyLogStore>();
builder.Services.AddSingleton<ReplyRuns>();
builder.Services.AddHostedService(services => services.GetRequiredService<ReplyRuns>());
builder.Services.AddSingleton<SystemPromptProvider>();
builder.Services.AddSingleton<TitleGenerator>();
builder.Services.AddSingleton<TurnOutbox>();
builder.Services.AddSingleton<TurnRecorder>();
builder.Services.AddSingleton<TurnCompletion>();
builder.Services.AddSingleton<RequestGate>();
builder.Services.AddSingleton<GuardedReplyReader>();
builder.Services.AddSingleton<ChatTurnService>();
builder.Services.AddSingleton<CompletionService>();
builder.Services.AddSingleton<TurnStreamer>();
builder.Services.AddHostedService<TurnOutboxWriter>();
builder.Services.AddSingleton<ShutdownDrain>();
builder.Services.AddHostedService(services => services.GetRequiredService<ShutdownDrain>());

// SIGTERM: streams drain, then end with server_shutting_down; the host gives them the drain plus time to save.
var shutdown = builder.Configuration.GetSection(ShutdownOptions.SectionName).Get<ShutdownOptions>() ?? new ShutdownOptions();
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = shutdown.DrainTimeout + shutdown.FinishTimeout);

var app = builder.Build();

app.UseReplicaHeader();
app.UseRequestHeaderLimit();
app.UseExceptionHandler(new ExceptionHandlerOptions
{
    // A body that does not parse is the caller's error (400), not ours (500); a store that cannot be reached is a 503.
    StatusCodeSelector = ProblemCodes.StatusOf,
});
app.UseStatusCodePages(OpenAiEndpoints.WriteStatusAsync);
app.UseMetricsEndpoint();
app.UseAuthentication();
app.UseAuthorization();

app.MapDefaultEndpoints();
app.MapOpenApi().AllowAnonymous();

var api = app.MapGroup(string.Empty).RequireAuthorization(AuthenticationExtensions.ChatUserPolicy);
api.MapConversationEndpoints();
api.MapChatEndpoints();
api.MapReplyEndpoints();
api.MapApiKeyEndpoints();
api.MapOpenAiEndpoints();
api.MapLlmEndpoints();

await app.RunAsync();
return 0;

