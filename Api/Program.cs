using Api.Admin;
using Api.Auth;
using Api.Backups;
using Api.Chat;
using Api.Conversations;
using Api.Infrastructure;
using Api.Keys;
using Api.Limits;
using Api.Llm;
using Api.ModelCalls;
using Api.OpenAi;
using Api.Replies;
using Api.Safety;
using Api.Shared;
using Api.Streaming;
using Api.Usage;

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

// And the injection detector on standard input: `Api inspect` (why was this message flagged?).
if (InspectCommand.IsCommand(args))
{
    return InspectCommand.Run(Console.In, Console.Out);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();

// Bodies are refused while they are read: 1 MB for any route, less where a route's contract allows (WithBodyLimit).
// Kestrel's own header limits sit above ours, so an oversized header block, or one with too many fields, gets a coded 431
// from us, not a bare one.
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Limits.MaxRequestBodySize = 1024 * 1024;
    kestrel.Limits.MaxRequestHeadersTotalSize = 3 * RequestLimits.MaxRequestHeadersBytes;
    kestrel.Limits.MaxRequestHeaderCount = 3 * RequestLimits.MaxRequestHeaderCount;
});

// Deployments pass the vault URI; run mode passes the same secrets as configuration (AppHost parameters).
if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("secrets")))
{
    builder.Configuration.AddAzureKeyVaultSecrets("secrets");
}

builder.AddApiAuthentication();
builder.AddLlm();
builder.AddMetricsEndpoint();

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = ProblemCodes.AddCode);
builder.Services.AddExceptionHandler<StorageUnavailableHandler>();
builder.Services.AddOpenApi();
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));

// The features, each registering what it needs (docs/architecture.md maps how a request crosses them).
builder.AddSharedStore();
builder.AddUserLimits();
builder.AddSafety();
builder.AddConversations();
builder.Services.AddUsageLedger();
builder.AddStreaming();
builder.Services.AddModelCalls();
builder.AddChat();
builder.AddReplies();
builder.Services.AddOpenAiRoute();
builder.AddApiKeys();
builder.AddAdmin();

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
app.UseSignInRecording();
app.UseAuthorization();
app.UseKeyRecheck();

app.MapDefaultEndpoints();
app.MapOpenApi().AllowAnonymous();

var api = app.MapGroup(string.Empty).RequireAuthorization(AuthenticationExtensions.ChatUserPolicy);
api.MapConversationEndpoints();
api.MapChatEndpoints();
api.MapReplyEndpoints();
api.MapApiKeyEndpoints();
api.MapOpenAiEndpoints();
api.MapLlmEndpoints();
api.MapModelEndpoints();
api.MapUsageEndpoints();
api.MapAdminEndpoints();

await app.RunAsync();
return 0;

