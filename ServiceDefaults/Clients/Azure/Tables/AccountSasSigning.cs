using System.Data.Common;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Data.Tables.Sas;

namespace Aspire.Azure.Data.Tables;

/// <summary>
/// Signs a connection string's requests with an account SAS made once from its account key, not with the key on each
/// request. The Tables SDK's shared-key signing makes an <c>HMACSHA256</c> per request and never disposes it, so each
/// request leaves an OpenSSL HMAC context to the finalizer thread: in the streaming benchmark that thread took a third
/// of the API's managed CPU. The SAS lasts <see cref="Lifetime"/> and is made again, at the next request, once half of
/// that has passed. A service URI (workload identity) signs with a bearer token and never comes here.
/// </summary>
public sealed class AccountSasSigning : HttpPipelineSynchronousPolicy
{
    /// <summary>How long each SAS is valid; a new one is made when half of it has passed.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(1);

    private readonly TableServiceClient _keyed;
    private readonly TimeProvider _time;
    private readonly Lock _renewing = new();
    private long _renewAtTicks;

    private AccountSasSigning(TableServiceClient keyed, TimeProvider time)
    {
        _keyed = keyed;
        _time = time;
        Credential = new AzureSasCredential(Sign(out var renewAt));
        _renewAtTicks = renewAt.UtcTicks;
    }

    /// <summary>The credential the client sends; <see cref="OnSendingRequest"/> keeps it fresh.</summary>
    public AzureSasCredential Credential { get; }

    /// <summary>
    /// Whether a connection string carries a storage account's key (or means the development account, which has one).
    /// Azure Cosmos DB for Table keeps the key's own signing: the account SAS is a storage account's feature.
    /// </summary>
    public static bool Applies(string connectionString)
    {
        var parts = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (parts.TryGetValue("TableEndpoint", out var endpoint) && Uri.TryCreate(endpoint as string, UriKind.Absolute, out var uri)
            && (uri.Host.EndsWith(".cosmos.azure.com", StringComparison.OrdinalIgnoreCase) || uri.Host.EndsWith(".cosmosdb.azure.com", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        return parts.TryGetValue("AccountKey", out var key) && !string.IsNullOrWhiteSpace(key as string)
            || parts.TryGetValue("UseDevelopmentStorage", out var development) && string.Equals(development as string, "true", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A client for the connection string's account that sends an account SAS signed with its key.</summary>
    public static TableServiceClient CreateClient(string connectionString, TableClientOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var keyed = new TableServiceClient(connectionString, options);
        var signing = new AccountSasSigning(keyed, time);
        options.AddPolicy(signing, HttpPipelinePosition.PerCall);
        return new TableServiceClient(keyed.Uri, signing.Credential, options);
    }

    /// <inheritdoc />
    public override void OnSendingRequest(HttpMessage message)
    {
        if (_time.GetUtcNow().UtcTicks < Volatile.Read(ref _renewAtTicks))
        {
            return;
        }

        lock (_renewing)
        {
            if (_time.GetUtcNow().UtcTicks >= _renewAtTicks)
            {
                Credential.Update(Sign(out var renewAt));
                Volatile.Write(ref _renewAtTicks, renewAt.UtcTicks);
            }
        }
    }

    private string Sign(out DateTimeOffset renewAt)
    {
        var now = _time.GetUtcNow();
        renewAt = now + Lifetime / 2;
        var uri = _keyed.GenerateSasUri(TableAccountSasPermissions.All, TableAccountSasResourceTypes.All, now + Lifetime);
        return uri.Query.TrimStart('?');
    }
}
