using Aspire.Azure.Data.Tables;
using Azure.Core.Extensions;
using Azure.Data.Tables;
using Azure.Identity;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Registers a <see cref="TableServiceClient"/> from an Aspire connection string. Same public shape as
/// Aspire.Azure.Data.Tables (not served on this project's registry).
/// </summary>
public static class AspireTablesExtensions
{
    /// <summary>The configuration section the settings are bound from.</summary>
    public const string DefaultConfigSectionName = "Aspire:Azure:Data:Tables";

    /// <summary>The name of the health check, as in the official package.</summary>
    public const string HealthCheckName = "Azure_TableServiceClient";

    /// <summary>
    /// Registers <see cref="TableServiceClient"/> as a singleton: a connection string (Azurite, account key; a key
    /// signs an account SAS once rather than every request, see <see cref="AccountSasSigning"/>) or a service URI with <c>DefaultAzureCredential</c> (workload identity on AKS), and the
    /// <c>Azure_TableServiceClient</c> health check.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="connectionName">The connection string name, as referenced by the app host.</param>
    /// <param name="configureSettings">Changes the settings after they are read from configuration.</param>
    /// <param name="configureClientBuilder">Changes the Azure client registration (options, credential).</param>
    public static void AddAzureTableServiceClient(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<AzureDataTablesSettings>? configureSettings = null,
        Action<IAzureClientBuilder<TableServiceClient, TableClientOptions>>? configureClientBuilder = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);

        var settings = new AzureDataTablesSettings();
        builder.Configuration.GetSection(DefaultConfigSectionName).Bind(settings);
        builder.Configuration.GetSection($"{DefaultConfigSectionName}:{connectionName}").Bind(settings);
        settings.ParseConnectionString(builder.Configuration.GetConnectionString(connectionName));
        configureSettings?.Invoke(settings);

        if (string.IsNullOrWhiteSpace(settings.ConnectionString) && settings.ServiceUri is null)
        {
            throw new InvalidOperationException(
                $"A TableServiceClient could not be configured. Provide 'ConnectionStrings:{connectionName}' (a connection string or " +
                $"https://account.table.core.windows.net/) or '{DefaultConfigSectionName}:ServiceUri'.");
        }

        builder.Services.AddAzureClients(clients =>
        {
            var registration = clients.AddClient<TableServiceClient, TableClientOptions>((options, credential, services) =>
                string.IsNullOrWhiteSpace(settings.ConnectionString)
                    ? new TableServiceClient(settings.ServiceUri, settings.Credential ?? credential, options)
                    : AccountSasSigning.Applies(settings.ConnectionString)
                        ? AccountSasSigning.CreateClient(settings.ConnectionString, options, services.GetService<TimeProvider>() ?? TimeProvider.System)
                        : new TableServiceClient(settings.ConnectionString, options));

            registration.WithCredential(settings.Credential ?? new DefaultAzureCredential());
            configureClientBuilder?.Invoke(registration);
        });

        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                HealthCheckName,
                services => new AzureTableServiceHealthCheck(services.GetRequiredService<TableServiceClient>()),
                failureStatus: null,
                tags: null,
                timeout: TimeSpan.FromSeconds(5)));
        }
    }
}
