using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tests.Infrastructure;
using Tests.TestDoubles.Network;
using Tests.TestDoubles.Ollama;

namespace Tests.Integration.Integrity;

/// <summary>
/// The API on real Kestrel (so body and header limits, connection resets and shutdown behave as deployed), with its
/// own Azurite behind a proxy the tests can cut, and its own Ollama double. Limits are raised out of the way: these
/// tests race writes, not quotas. The tables are read directly (not through the proxy) to check what was stored.
/// </summary>
public sealed partial class IntegrityApi : IAsyncLifetime
{
    public const string Table = "integrity";
    public const int MessageCap = 40;

    private readonly List<IntegrityApiFactory> _extraHosts = [];

    public AzuriteEmulator Azurite { get; private set; } = null!;

    public TcpFaultProxy Storage { get; private set; } = null!;

    public OllamaDouble Ollama { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public TableClient Tables { get; private set; } = null!;

    private IntegrityApiFactory Host { get; set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Azurite = AzuriteEmulator.Start();
        Storage = TcpFaultProxy.Start(int.Parse(TablePort().Match(Azurite.ConnectionString).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Ollama = await OllamaDouble.StartAsync(AppFixture.Tag);
        Tables = new TableServiceClient(Azurite.ConnectionString).GetTableClient(Table);
        await AzuriteEmulator.WaitUntilReadyAsync(() => Tables.CreateIfNotExistsAsync(TestContext.Current.CancellationToken));
        (Host, Http) = StartHost(new Dictionary<string, string?>());
    }

    /// <summary>Another API host on the same store and model (for a test that stops its host).</summary>
    public (IntegrityApiFactory Host, HttpClient Http) StartHost(IReadOnlyDictionary<string, string?> overrides, Action<IServiceCollection>? services = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:tables"] = TablePort().Replace(Azurite.ConnectionString, $"127.0.0.1:{Storage.Port}/"),
            ["ConnectionStrings:chat"] = $"Endpoint={Ollama.Endpoint};Model={AppFixture.Tag}",
            ["Safety:Canary"] = AppFixture.Canary,
            ["Conversations:TableName"] = Table,
            ["Conversations:MaxMessagesPerConversation"] = MessageCap.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Limits:RequestsPerMinute"] = "100000",
            ["Limits:ConcurrentStreams"] = "1000",
            ["Limits:OutputTokensPerDay"] = "1000000000",
            ["Llm:Admission:SlotsPerServer"] = "64",
            ["Llm:Admission:MaxQueue"] = "64",
            ["Chat:Persistence:OutboxMaxDelay"] = "00:00:00.500",
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var host = new IntegrityApiFactory(settings, services);
        host.UseKestrel(0);
        host.StartServer();
        if (Host is not null)
        {
            _extraHosts.Add(host);
        }

        return (host, host.CreateClient());
    }

    public ApiSession Session(string? user = null) => new(Http, user ?? "integrity-" + Guid.NewGuid().ToString("N")[..12]);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        foreach (var host in _extraHosts)
        {
            await host.DisposeAsync();
        }

        await Host.DisposeAsync();
        await Ollama.DisposeAsync();
        await Storage.DisposeAsync();
        Azurite.Dispose();
    }

    [GeneratedRegex(@"127\.0\.0\.1:(\d+)/(?=devstoreaccount1;$)")]
    private static partial Regex TablePort();
}

/// <summary>The API in this process, with the integrity tests' settings.</summary>
public sealed class IntegrityApiFactory(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null) : WebApplicationFactory<Api.Chat.ChatTurnService>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        if (services is not null)
        {
            builder.ConfigureServices(services);
        }

        builder.UseEnvironment("Development");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
    }
}
