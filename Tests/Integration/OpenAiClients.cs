using System.ClientModel;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;
using Tests.Deployment;

namespace Tests.Integration;

/// <summary>The official OpenAI clients, pointed at the API's <c>/v1</c> with a personal key: the .NET library and the npm package.</summary>
public static class OpenAiClients
{
    /// <summary>A new key for <paramref name="user"/>, made through the API as that signed-in (dev) user.</summary>
    public static async Task<string> NewKeyAsync(ApiSession user)
    {
        using var created = await user.SendAsync(HttpMethod.Post, "/api/keys", new { name = "client tests" });
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    /// <summary>A call made with a personal key as its bearer token (the way every OpenAI client sends it), its body read.</summary>
    public static async Task<HttpResponseMessage> WithKeyAsync(HttpClient http, HttpMethod method, string path, string key)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        await response.Content.LoadIntoBufferAsync(TestContext.Current.CancellationToken);
        return response;
    }

    /// <summary>A JSON body posted with a personal key as its bearer token, its body read.</summary>
    public static async Task<HttpResponseMessage> PostWithKeyAsync(HttpClient http, string path, string key, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        await response.Content.LoadIntoBufferAsync(TestContext.Current.CancellationToken);
        return response;
    }

    /// <summary>Today's admin actions of one actor, read from the store with the API's own reader.</summary>
    public static async Task<List<Api.Admin.AdminAction>> AuditTrailAsync(string tablesConnectionString, string actor)
    {
        var audit = new Api.Admin.AdminAudit(new Azure.Data.Tables.TableServiceClient(tablesConnectionString), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var day = DateOnly.FromDateTime(DateTime.UtcNow);
        return [.. (await audit.ReadAsync(day, day, TestContext.Current.CancellationToken)).Where(a => a.ActorId == actor)];
    }

    /// <summary>The OpenAI .NET library's chat client as Microsoft.Extensions.AI's <see cref="IChatClient"/>.</summary>
    public static IChatClient DotNet(Uri api, string key, string model) =>
        new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(api, "/v1"), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0) }).AsIChatClient();

    /// <summary>Runs one scenario of <c>Tests/Clients/openai/run.mjs</c> (the openai npm package) and returns what it printed.</summary>
    public static async Task<JsonElement> NpmAsync(string scenario, Uri api, string key, string model, string? prompt = null)
    {
        var folder = Path.Combine(Repository.Root, "Tests", "Clients", "openai");
        var start = new ProcessStartInfo("node", [Path.Combine(folder, "run.mjs"), scenario])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["OPENAI_BASE_URL"] = new Uri(api, "/v1").ToString(),
                ["OPENAI_API_KEY"] = key,
                ["MODEL"] = model,
                ["PROMPT"] = prompt ?? "Say hello",
            },
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        var text = (await output).Trim();
        Assert.True(process.ExitCode == 0 && text.Length > 0, $"node run.mjs {scenario} exited {process.ExitCode}: {text} {await errors}");
        return JsonDocument.Parse(text.Split('\n')[^1]).RootElement;
    }
}
