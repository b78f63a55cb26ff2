using System.Net;
using Microsoft.Extensions.Http.Resilience;
using MudBlazor.Services;
using Polly;
using Web.Auth;
using Web.Components;
using Web.Markdown;
using Web.Security;
using Web.Services;
using Web.Services.Admin;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddMetricsEndpoint();
builder.AddWebAuthentication();

builder.Services.AddRazorComponents()
    .AddInteractiveServerComponents();

// The component library every page is built on (its theme, dialogs, menus and charts).
builder.Services.AddMudServices();

// Deployed, the replicas share one key ring in Blob Storage, encrypted with a Key Vault key; locally the default per-user store serves.
builder.AddSharedKeyRing();

builder.Services.AddOptions<MarkdownOptions>().Bind(builder.Configuration.GetSection(MarkdownOptions.SectionName));
builder.Services.AddSingleton<MarkdownRenderer>();
builder.Services.AddScoped<ChatState>();
builder.Services.AddScoped<Web.Services.Admin.AdminApiClient>();
builder.Services.AddOptions<OpenAiEndpointOptions>().Bind(builder.Configuration.GetSection(OpenAiEndpointOptions.SectionName));

var api = builder.Services.AddHttpClient<ChatApiClient>(client =>
    {
        client.BaseAddress = new Uri(builder.Configuration["ApiBaseAddress"] ?? "https+http://api");
        // Replies stream for minutes; the user's Stop button and the API's own timeouts bound them.
        client.Timeout = Timeout.InfiniteTimeSpan;
    })
    .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        // Stop must close the connection at once: that is what makes the API cancel the model.
        MaxResponseDrainSize = 0,
        ResponseDrainTimeout = TimeSpan.Zero,
    });

// The service defaults' policy retries POSTs and times out after 30 s: a retried "send" is a duplicate turn, and a
// reply outlives 30 s. Reads are retried; writes never are.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the documented opt-out.
api.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
api.AddResilienceHandler("chat-api", pipeline => pipeline.AddRetry(new HttpRetryStrategyOptions
{
    MaxRetryAttempts = 2,
    BackoffType = DelayBackoffType.Exponential,
    UseJitter = true,
    ShouldHandle = args => ValueTask.FromResult(
        args.Context.GetRequestMessage()?.Method == HttpMethod.Get
        && (args.Outcome.Exception is HttpRequestException || args.Outcome.Result?.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout)),
}));

var app = builder.Build();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
    app.UseHsts();
}

app.UseMetricsEndpoint();
app.UseSecurityHeaders();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapStaticAssets().AllowAnonymous();
app.MapDefaultEndpoints();
app.MapAccountEndpoints();
app.MapUsageExport();
app.MapRazorComponents<App>()
    .AddInteractiveServerRenderMode();

app.Run();
