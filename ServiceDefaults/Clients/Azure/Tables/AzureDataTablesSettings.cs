using Azure.Core;

namespace Aspire.Azure.Data.Tables;

/// <summary>
/// Settings of the Azure Table Storage client integration, bound from <c>Aspire:Azure:Data:Tables</c>
/// and <c>Aspire:Azure:Data:Tables:{connectionName}</c>. Same shape as Aspire.Azure.Data.Tables.
/// </summary>
public sealed class AzureDataTablesSettings
{
    /// <summary>A storage connection string (Azurite, or an account key). Takes precedence over <see cref="ServiceUri"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The table service URI, <c>https://{account}.table.core.windows.net/</c>, used with <see cref="Credential"/>.</summary>
    public Uri? ServiceUri { get; set; }

    /// <summary>The credential used with <see cref="ServiceUri"/>; <c>DefaultAzureCredential</c> when not set (workload identity on AKS).</summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>Leaves out the <c>Azure_TableServiceClient</c> health check.</summary>
    public bool DisableHealthChecks { get; set; }

    /// <summary>Leaves out the Azure SDK activity source from tracing.</summary>
    public bool DisableTracing { get; set; }

    /// <summary>A URI means <see cref="ServiceUri"/> (managed identity); anything else is a connection string.</summary>
    internal void ParseConnectionString(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return;
        }

        if (Uri.TryCreate(connectionString, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http")
        {
            ServiceUri = uri;
        }
        else
        {
            ConnectionString = connectionString;
        }
    }
}
