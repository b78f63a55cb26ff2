using Api.Auth;
using Api.Chat;
using Api.Conversations;
using Api.Llm;

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

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddProblemDetails();
builder.Services.AddOptions<ConversationOptions>()
    .Bind(builder.Configuration.GetSection(ConversationOptions.SectionName))
    .ValidateDataAnnotations()
    .ValidateOnStart();
builder.Services.AddSingleton<ConversationStore>();
builder.Services.AddSingleton<TitleGenerator>();
builder.Services.AddSingleton<ChatTurnService>();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();

app.MapDefaultEndpoints();

var api = app.MapGroup(string.Empty).RequireAuthorization(AuthenticationExtensions.ChatUserPolicy);
api.MapConversationEndpoints();
api.MapChatEndpoints();
api.MapLlmEndpoints();

app.Run();

/// <summary>Entry point, visible to the tests' host factory.</summary>
public partial class Program;
