using Aspire.Azure.Data.Tables;
using Aspire.Azure.Security.KeyVault;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Tests.Unit.ServiceDefaults;

public sealed class AzureClientSettingsTests
{
    [Fact]
    public void ParseConnectionString_ServiceUri_MeansManagedIdentity()
    {
        var settings = new AzureDataTablesSettings();

        settings.ParseConnectionString("https://stchat.table.core.windows.net/");

        Assert.Equal(new Uri("https://stchat.table.core.windows.net/"), settings.ServiceUri);
        Assert.Null(settings.ConnectionString);
    }

    [Fact]
    public void ParseConnectionString_AccountConnectionString_IsKept()
    {
        const string azurite = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";
        var settings = new AzureDataTablesSettings();

        settings.ParseConnectionString(azurite);

        Assert.Equal(azurite, settings.ConnectionString);
        Assert.Null(settings.ServiceUri);
    }

    [Fact]
    public void AddAzureTableServiceClient_ServiceUri_BuildsClientForThatAccount()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:tables"] = "https://stchat.table.core.windows.net/";

        builder.AddAzureTableServiceClient("tables");
        using var host = builder.Build();

        var client = host.Services.GetRequiredService<TableServiceClient>();
        Assert.Equal("stchat", client.AccountName);
    }

    [Fact]
    public void AddAzureTableServiceClient_Missing_ThrowsWithTheNameToSet()
    {
        var builder = Host.CreateApplicationBuilder();

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddAzureTableServiceClient("tables"));

        Assert.Contains("ConnectionStrings:tables", error.Message);
    }

    [Theory]
    [InlineData("Safety--Canary", "Safety:Canary")]
    [InlineData("Auth--Jwt--Audience", "Auth:Jwt:Audience")]
    [InlineData("Plain", "Plain")]
    public void ToConfigurationKey_DoubleDash_IsTheSectionSeparator(string secretName, string key)
    {
        Assert.Equal(key, KeyVaultSecretsConfigurationProvider.ToConfigurationKey(secretName));
    }

    [Fact]
    public void AddAzureKeyVaultSecrets_NonHttpsUri_IsRefused()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:secrets"] = "http://vault.example/";

        var error = Assert.Throws<InvalidOperationException>(() => builder.Configuration.AddAzureKeyVaultSecrets("secrets"));

        Assert.Contains("https", error.Message);
    }
}
