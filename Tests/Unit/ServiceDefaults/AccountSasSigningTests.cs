using Microsoft.Extensions.Azure;
using System.Collections.Concurrent;
using Aspire.Azure.Data.Tables;
using Azure;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Tests.Infrastructure;

namespace Tests.Unit.ServiceDefaults;

/// <summary>
/// A connection string's account key signs one account SAS, not every request: against Azurite (which checks every
/// signature, and refuses a wrong key), every kind of call the API makes succeeds with <c>sig=</c> in the query and no
/// <c>Authorization</c> header, and a new SAS is made once half its lifetime has passed.
/// </summary>
public sealed class AccountSasSigningTests : IAsyncLifetime
{
    private AzuriteEmulator? _azurite;

    private AzuriteEmulator Azurite => _azurite ?? throw new InvalidOperationException("Azurite has not started.");

    public async ValueTask InitializeAsync()
    {
        _azurite = AzuriteEmulator.Start();
        var tables = new TableServiceClient(_azurite.ConnectionString);
        await AzuriteEmulator.WaitUntilReadyAsync(() => tables.CreateTableIfNotExistsAsync("ready", TestContext.Current.CancellationToken));
    }

    public ValueTask DisposeAsync()
    {
        _azurite?.Dispose();
        return ValueTask.CompletedTask;
    }

    [Theory]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;", true)]
    [InlineData("UseDevelopmentStorage=true", true)]
    [InlineData("TableEndpoint=https://stchat.table.core.windows.net/;SharedAccessSignature=sv=2019-02-02&sig=abc", false)]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=stchat;AccountKey=;EndpointSuffix=core.windows.net", false)]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=stchat;AccountKey=a2V5;EndpointSuffix=core.windows.net", true)]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=cosmoschat;AccountKey=a2V5;TableEndpoint=https://cosmoschat.table.cosmos.azure.com:443/;", false)]
    public void Applies_OnlyToAStorageAccountConnectionStringWithAKey(string connectionString, bool applies)
    {
        Assert.Equal(applies, AccountSasSigning.Applies(connectionString));
    }

    [Fact]
    public async Task RegisteredClient_SignsEveryCallWithTheSas_NeverWithTheKey()
    {
        var wire = new RecordingHandler();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:tables"] = Azurite.ConnectionString;
        builder.AddAzureTableServiceClient("tables", configureClientBuilder: client => client.ConfigureOptions(options =>
            options.Transport = new HttpClientTransport(new HttpClient(wire))));
        using var host = builder.Build();
        var token = TestContext.Current.CancellationToken;
        var table = host.Services.GetRequiredService<TableServiceClient>().GetTableClient("sassigned");

        await table.CreateIfNotExistsAsync(token);
        await table.UpsertEntityAsync(new TableEntity("p", "a") { ["Value"] = 1 }, cancellationToken: token);
        await table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.UpsertMerge, new TableEntity("p", "b") { ["Value"] = 2 }),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "c") { ["Value"] = 3 }),
        ], token);
        var read = await table.GetEntityAsync<TableEntity>("p", "a", cancellationToken: token);
        var stale = await Assert.ThrowsAsync<RequestFailedException>(() => table.UpdateEntityAsync(
            read.Value, new ETag("W/\"datetime'2020-01-01T00%3A00%3A00.0000000Z'\""), TableUpdateMode.Replace, token));
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == "p", select: ["Value"], cancellationToken: token))
        {
            rows.Add(row);
        }

        await table.DeleteEntityAsync("p", "a", cancellationToken: token);

        Assert.Equal(412, stale.Status);
        Assert.Equal([1, 2, 3], rows.Select(r => r.GetInt32("Value")).Order());
        Assert.True(wire.Requests.Count >= 7, $"{wire.Requests.Count} requests seen");
        Assert.All(wire.Requests, request =>
        {
            Assert.Contains("sig=", request.Query, StringComparison.Ordinal);
            Assert.False(request.Authorized, $"{request.Query} carried an Authorization header");
        });
    }

    [Fact]
    public async Task WrongKey_IsRefusedByTheEmulator_SoTheSasIsReallyChecked()
    {
        var wrongKey = Azurite.ConnectionString.Replace("AccountKey=Eby8", "AccountKey=Fby8", StringComparison.Ordinal);
        var table = AccountSasSigning.CreateClient(wrongKey, new TableClientOptions { Retry = { MaxRetries = 0 } }, TimeProvider.System)
            .GetTableClient("ready");

        var refused = await Assert.ThrowsAsync<RequestFailedException>(() =>
            table.GetEntityIfExistsAsync<TableEntity>("p", "a", cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(403, refused.Status);
    }

    [Fact]
    public async Task Sas_IsMadeAgain_OnceHalfItsLifetimeHasPassed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var wire = new RecordingHandler();
        var table = AccountSasSigning.CreateClient(Azurite.ConnectionString, new TableClientOptions { Transport = new HttpClientTransport(new HttpClient(wire)) }, time)
            .GetTableClient("ready");
        var token = TestContext.Current.CancellationToken;

        await table.GetEntityIfExistsAsync<TableEntity>("p", "a", cancellationToken: token);
        time.Advance(AccountSasSigning.Lifetime / 2 - TimeSpan.FromMinutes(1));
        await table.GetEntityIfExistsAsync<TableEntity>("p", "a", cancellationToken: token);
        time.Advance(TimeSpan.FromMinutes(2));
        await table.GetEntityIfExistsAsync<TableEntity>("p", "a", cancellationToken: token);

        var expiries = wire.Requests.Select(r => Expiry(r.Query)).ToList();
        Assert.Equal(3, expiries.Count);
        Assert.Equal(expiries[0], expiries[1]);
        Assert.True(expiries[2] > expiries[1], $"{expiries[2]} should be later than {expiries[1]}");
    }

    private static DateTimeOffset Expiry(string query)
    {
        var expiry = query.TrimStart('?').Split('&').Single(p => p.StartsWith("se=", StringComparison.Ordinal))[3..];
        return DateTimeOffset.Parse(Uri.UnescapeDataString(expiry), System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed record SeenRequest(string Query, bool Authorized);

    private sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public ConcurrentQueue<SeenRequest> Requests { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Enqueue(new SeenRequest(request.RequestUri?.Query ?? string.Empty, request.Headers.Authorization is not null));
            return base.SendAsync(request, cancellationToken);
        }
    }
}
