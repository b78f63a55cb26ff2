using Api.Auth;
using Api.Backups;
using Api.Chat;
using Api.Conversations;
using Api.Infrastructure;
using Api.Limits;
using Api.Llm;
using Api.Safety;

// The same image runs the scheduled table backups (and restores): `Api backup`, `Api restore <blob> <table>`.
if (BackupCommand.IsCommand(args))
{
    return await BackupCommand.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();

// Deployments pass the vault URI; run mode passes the same secrets as configuration (AppHost parameters).
if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("secrets")))
{
    builder.Configuration.AddAzureKeyVaultSecrets("secrets");
}

builder.AddApiAuthentication();
builder.AddAzureTableServiceClient("tables");
builder.AddLlm();
builder.AddMetricsEndpoint();

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddProblemDetails();
builder.Services.AddOpenApi();
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));

builder.Services.AddOptions<ConversationOptions>().Bind(builder.Configuration.GetSection(ConversationOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddOptions<UserLimitsOptions>().Bind(builder.Configuration.GetSection(UserLimitsOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddOptions<ChatStreamOptions>().Bind(builder.Configuration.GetSection(ChatStreamOptions.SectionName));
builder.Services.AddOptions<SafetyOptions>().Bind(builder.Configuration.GetSection(SafetyOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();

builder.Services.AddSingleton<ConversationStore>();
builder.Services.AddSingleton<UserRequestLimiter>();
builder.Services.AddSingleton<SystemPromptProvider>();
builder.Services.AddSingleton<TitleGenerator>();
builder.Services.AddSingleton<ChatTurnService>();

var app = builder.Build();

app.UseExceptionHandler(new ExceptionHandlerOptions
{
    // A body that does not parse is the caller's error (400), not ours (500).
    StatusCodeSelector = exception => exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
});
app.UseStatusCodePages();
app.UseMetricsEndpoint();
app.UseAuthentication();
app.UseAuthorization();

app.MapDefaultEndpoints();
app.MapOpenApi().AllowAnonymous();

var api = app.MapGroup(string.Empty).RequireAuthorization(AuthenticationExtensions.ChatUserPolicy);
api.MapConversationEndpoints();
api.MapChatEndpoints();
api.MapLlmEndpoints();

await app.RunAsync();
return 0;

