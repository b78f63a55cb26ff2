using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Tests.Integration.Integrity;

/// <summary>
/// Hostile bodies are refused while they are read. A hundred 29 MB bodies at once, from a client in its own process
/// (node), so that this process holds only the API: every one is refused, and the managed heap stays flat.
/// </summary>
[Collection(IntegrityCollection.Name)]
public sealed class BodyLimitTests(IntegrityApi api)
{
    [Fact]
    public async Task HundredOversizedBodiesAtOnce_AreRefused_AndTheHeapStaysFlat()
    {
        var session = api.Session();
        var id = await session.CreateConversationAsync();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                await Task.Delay(10, CancellationToken.None);
            }
        }, CancellationToken.None);

        var script = Path.Combine(Tests.Deployment.Repository.Root, "Tests", "Integration", "Integrity", "oversized-bodies.mjs");
        var url = new Uri(api.Http.BaseAddress!, $"/api/conversations/{id}/messages").ToString();
        var (exitCode, output) = await Tests.Deployment.Repository.RunAsync("node", [script, url, "100", (29L * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture), session.User], TimeSpan.FromMinutes(3));
        await sampling.CancelAsync();
        await sampler;

        Assert.True(exitCode == 0, output);
        var outcomes = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement.EnumerateArray().ToList();
        Assert.Equal(100, outcomes.Count);
        // 413 with its code, or (status 0) the connection closed under a client still sending after the server refused it.
        Assert.All(outcomes, o => Assert.Contains(o.GetProperty("status").GetInt32(), new[] { (int)HttpStatusCode.RequestEntityTooLarge, 0 }));
        Assert.All(outcomes.Where(o => o.GetProperty("status").GetInt32() != 0), o => Assert.Equal("request_too_large", o.GetProperty("code").GetString()));
        Assert.Contains(outcomes, o => o.GetProperty("status").GetInt32() == (int)HttpStatusCode.RequestEntityTooLarge);
        var growth = (peak - baseline) / (1024.0 * 1024.0);
        Assert.True(growth < 100, $"The API's managed heap grew by {growth:F0} MB under 100 bodies of 29 MB (2.9 GB in all).");
        using var alive = await api.Http.GetAsync("/alive", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }
}
