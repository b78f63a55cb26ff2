using Azure.Identity;
using Azure.Monitor.OpenTelemetry.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Tests.Unit.ServiceDefaults;

/// <summary>
/// Application Insights is deployed with local authentication off: telemetry sent with the connection string alone
/// is refused. The exporter must carry an Entra ID credential, which in a pod resolves to its workload identity.
/// </summary>
public sealed class TelemetryCredentialTests
{
    [Fact]
    public void AddServiceDefaults_ApplicationInsightsConfigured_ExportsWithAnEntraCredential()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/";
        builder.AddServiceDefaults();
        using var services = builder.Services.BuildServiceProvider();

        var options = services.GetRequiredService<IOptionsMonitor<AzureMonitorOptions>>().Get(Options.DefaultName);

        Assert.IsType<DefaultAzureCredential>(options.Credential);
    }
}
