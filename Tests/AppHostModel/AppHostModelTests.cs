using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using AppHost;
using Tests.Infrastructure;

namespace Tests.AppHostModel;

/// <summary>The AppHost's topology, checked on the model: no process starts.</summary>
public sealed class AppHostModelTests
{
    private const string ExternalEndpoint = "http://127.0.0.1:1";

    [Fact]
    public async Task Build_ExternalOllama_WiresEveryResourceOnBothSides()
    {
        await using var builder = await AppHostModelBuilder.CreateAsync("--Ollama:Mode=External", $"--Ollama:Endpoint={ExternalEndpoint}");

        var api = builder.Single<ProjectResource>(ResourceNames.Api);
        var web = builder.Single<ProjectResource>(ResourceNames.Web);
        var model = builder.Single<OllamaModelResource>(Catalogue.Default);

        Assert.IsType<OllamaExternalResource>(model.Parent);
        Assert.Equal(ResourceNames.Ollama, model.Parent.Name);
        Assert.Equivalent(new[] { Catalogue.Default, ResourceNames.Tables, ResourceNames.Secrets, ResourceNames.Cache }, api.WaitsFor());
        // The web does not reach the shared store (issue 30, finding 9): its users' token cache lives in its own blob container.
        Assert.Equal([ResourceNames.Api], web.WaitsFor());

        var apiEnvironment = await builder.EnvironmentAsync(api);
        Assert.Equal(Catalogue.Default, Assert.IsType<ConnectionStringReference>(apiEnvironment["ConnectionStrings__chat"]).Resource.Name);
        Assert.Equal(ResourceNames.Tables, Assert.IsType<ConnectionStringReference>(apiEnvironment["ConnectionStrings__tables"]).Resource.Name);
        Assert.Equal(ResourceNames.Cache, Assert.IsType<ConnectionStringReference>(apiEnvironment["ConnectionStrings__cache"]).Resource.Name);
        // Connection strings only: no reference's properties (CHAT_MODEL, CACHE_HOST, ...), which no service reads.
        Assert.DoesNotContain(apiEnvironment.Keys, key => key.StartsWith("CHAT_", StringComparison.Ordinal) || key.StartsWith("CACHE_", StringComparison.Ordinal));
        Assert.IsType<ParameterResource>(apiEnvironment["Safety__Canary"]);
        // The store's password reaches the API as a vault secret, never in the connection string.
        Assert.Equal(ResourceNames.CachePassword, Assert.IsType<ParameterResource>(apiEnvironment["SharedStore__Password"]).Name);
        Assert.False(apiEnvironment.ContainsKey("Llm__UnavailableReason"));

        var webEnvironment = await builder.EnvironmentAsync(web);
        Assert.Contains(webEnvironment.Keys, key => key.StartsWith("services__api__", StringComparison.Ordinal));
        Assert.DoesNotContain(webEnvironment.Keys, key => key.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || key.StartsWith("SharedStore__", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Build_Model_ConnectionStringNamesEndpointAndPinnedModel()
    {
        await using var builder = await AppHostModelBuilder.CreateAsync("--Ollama:Mode=External", $"--Ollama:Endpoint={ExternalEndpoint}", $"--Models:{Catalogue.Default}:DevelopmentTag=qwen2.5:0.5b-instruct-q4_K_M");

        var model = builder.Single<OllamaModelResource>(Catalogue.Default);
        var connectionString = await model.ConnectionStringExpression.GetValueAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TestTimeouts.Short, TestContext.Current.CancellationToken);

        Assert.Equal($"Endpoint={ExternalEndpoint};Model=qwen2.5:0.5b-instruct-q4_K_M", connectionString);
        Assert.Contains(":", model.ModelName);
        Assert.DoesNotContain("latest", model.ModelName, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Build_EveryProjectAndDependency_HasHealthChecks()
    {
        await using var builder = await AppHostModelBuilder.CreateAsync("--Ollama:Mode=External", $"--Ollama:Endpoint={ExternalEndpoint}");

        foreach (var name in new[] { ResourceNames.Api, ResourceNames.Web, Catalogue.Default, ResourceNames.Tables, ResourceNames.Ollama, ResourceNames.Cache })
        {
            var resource = builder.Resources.Single(r => r.Name == name);
            Assert.True(resource.Annotations.OfType<HealthCheckAnnotation>().Any(), $"{name} has no health check.");
        }

        var web = builder.Single<ProjectResource>(ResourceNames.Web);
        Assert.Contains(web.Annotations.OfType<EndpointAnnotation>(), endpoint => endpoint.IsExternal);
        var api = builder.Single<ProjectResource>(ResourceNames.Api);
        Assert.DoesNotContain(api.Annotations.OfType<EndpointAnnotation>(), endpoint => endpoint.IsExternal);
    }

    [Fact]
    public async Task Build_ContainerMode_PinsOllamaImageAndTunesServer()
    {
        await using var builder = await AppHostModelBuilder.CreateAsync("--Ollama:Mode=Container");

        var ollama = builder.Single<OllamaResource>(ResourceNames.Ollama);
        var image = Assert.Single(ollama.Annotations.OfType<ContainerImageAnnotation>());
        Assert.Equal("docker.io", image.Registry);
        Assert.Equal("ollama/ollama", image.Image);
        Assert.Equal("0.17.1", image.Tag);
        Assert.True(Version.Parse(image.Tag!) >= new Version(0, 17, 1), "Ollama before 0.17.1 is open to CVE-2026-7482.");

        var endpoint = Assert.Single(ollama.Annotations.OfType<EndpointAnnotation>());
        Assert.Equal(("http", 11434), (endpoint.Name, endpoint.TargetPort!.Value));
        Assert.Contains(ollama.Annotations.OfType<ContainerMountAnnotation>(), mount => mount.Target == "/root/.ollama");

        var environment = await builder.EnvironmentAsync(ollama);
        Assert.Equal("-1", environment["OLLAMA_KEEP_ALIVE"]);
        Assert.Equal("4", environment["OLLAMA_NUM_PARALLEL"]);
        Assert.Empty(await ollama.ContainerRuntimeArgsAsync());
    }

    [Theory]
    [InlineData("docker", new[] { "--gpus", "all" })]
    [InlineData("podman", new[] { "--device", "nvidia.com/gpu=all" })]
    public async Task WithGPUSupport_Nvidia_UsesTheRuntimesOwnFlag(string runtime, string[] expected)
    {
        await using var builder = await AppHostModelBuilder.CreateAsync("--Ollama:Mode=Container", "--Ollama:Gpu=Nvidia", $"--ASPIRE_CONTAINER_RUNTIME={runtime}");

        var ollama = builder.Single<OllamaResource>(ResourceNames.Ollama);

        Assert.Equal(expected, await ollama.ContainerRuntimeArgsAsync());
        var gpu = Assert.Single(ollama.Annotations.OfType<OllamaGpuAnnotation>());
        Assert.Equal((OllamaGpuVendor.Nvidia, 1), (gpu.Vendor, gpu.Count));
    }

    [Fact]
    public async Task WithGPUSupport_Amd_UsesRocmImageAndDevices()
    {
        await using var builder = await AppHostModelBuilder.CreateAsync("--Ollama:Mode=Container", "--Ollama:Gpu=AMD");

        var ollama = builder.Single<OllamaResource>(ResourceNames.Ollama);

        Assert.Equal(["--device", "/dev/kfd", "--device", "/dev/dri"], await ollama.ContainerRuntimeArgsAsync());
        Assert.Equal("0.17.1-rocm", Assert.Single(ollama.Annotations.OfType<ContainerImageAnnotation>()).Tag);
    }

    [Fact]
    public async Task Build_LocalMode_RunsOllamaServeOnLoopback()
    {
        await using var builder = await AppHostModelBuilder.CreateAsync("--Ollama:Mode=Local");

        var ollama = builder.Single<OllamaExecutableResource>(ResourceNames.Ollama);
        var args = await ollama.ArgumentsAsync();

        Assert.Equal("ollama", ollama.Command);
        Assert.Equal(["serve"], args);
        Assert.True((await builder.EnvironmentAsync(ollama)).ContainsKey("OLLAMA_HOST"));
    }

    [Fact]
    public async Task Build_NoLlm_ApiGetsTheReasonAndNoModel()
    {
        await using var builder = await AppHostModelBuilder.CreateAsync("--Ollama:Mode=None");

        Assert.Empty(builder.Resources.OfType<OllamaModelResource>());
        var placeholder = Assert.IsType<LlmUnavailableResource>(builder.Resources.Single(r => r.Name == ResourceNames.Ollama));
        var shown = placeholder.Annotations.OfType<ResourceSnapshotAnnotation>().Single().InitialSnapshot;
        Assert.Contains(shown.Properties, p => p.Name == "Reason" && p.Value is string reason && reason.Contains("without an LLM", StringComparison.Ordinal));

        var api = builder.Single<ProjectResource>(ResourceNames.Api);
        var environment = await builder.EnvironmentAsync(api);
        Assert.Contains("without an LLM", Assert.IsType<string>(environment["Llm__UnavailableReason"]));
        Assert.False(environment.ContainsKey("ConnectionStrings__chat"));
        Assert.DoesNotContain(Catalogue.Default, api.WaitsFor());
    }

    [Fact]
    public async Task Build_ExternalModeWithoutEndpoint_Throws()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AppHostModelBuilder.CreateAsync("--Ollama:Mode=External"));

        Assert.Contains("Ollama:Endpoint", error.Message);
    }

    [Fact]
    public async Task RunAsEmulator_Executable_RunsPinnedAzuriteFromNpm()
    {
        await using var builder = await AppHostModelBuilder.CreateAsync("--Ollama:Mode=None");

        var azurite = builder.Single<AzuriteExecutableResource>($"{ResourceNames.Storage}-azurite");
        var text = (await azurite.ArgumentsAsync()).ToList();
        Assert.Equal("node", azurite.Command);
        Assert.EndsWith(Path.Combine("node_modules", "azurite", "dist", "src", "table", "main.js"), text[0]);
        Assert.True(File.Exists(text[0]), "The AppHost build installs Azurite from package-lock.json.");
        Assert.Contains("--inMemoryPersistence", text);
        Assert.Contains("--disableTelemetry", text);

        var installedDirectory = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(text[0])!, "..", "..", ".."));
        var installed = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(installedDirectory, "package.json"), TestContext.Current.CancellationToken));
        var pinned = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(installedDirectory, "..", "..", "package.json"), TestContext.Current.CancellationToken));
        Assert.Equal("3.37.0", pinned.RootElement.GetProperty("dependencies").GetProperty("azurite").GetString());
        Assert.Equal("3.37.0", installed.RootElement.GetProperty("version").GetString());
    }

    [Fact]
    public async Task AddTables_Emulator_ConnectionStringPointsAtAzurite()
    {
        await using var builder = await AppHostModelBuilder.CreateAsync("--Ollama:Mode=None");

        var tables = builder.Single<AzureTableStorageResource>(ResourceNames.Tables);
        var connectionString = tables.ConnectionStringExpression.ValueExpression;

        Assert.Contains("AccountName=devstoreaccount1", connectionString);
        Assert.Contains($"{ResourceNames.Storage}-azurite.bindings.table.url", connectionString);
    }

    [Fact]
    public async Task Build_ModelWithEndpointOfItsOwn_ApiReferencesButDoesNotWaitForIt()
    {
        await using var builder = await AppHostModelBuilder.CreateAsync("--Ollama:Mode=None", $"--Models:{Catalogue.Fast}:Endpoint=http://cpu-box:11434");

        var fast = builder.Single<OllamaModelResource>(Catalogue.Fast);
        var api = builder.Single<ProjectResource>(ResourceNames.Api);
        var environment = await builder.EnvironmentAsync(api);

        Assert.IsType<OllamaExternalResource>(fast.Parent);
        Assert.Equal(ModelHosting.ServerName(Catalogue.Fast), fast.Parent.Name);
        Assert.Equal(Catalogue.Fast, Assert.IsType<ConnectionStringReference>(environment[$"ConnectionStrings__{Catalogue.Fast}"]).Resource.Name);
        Assert.DoesNotContain(Catalogue.Fast, api.WaitsFor());
    }

    [Fact]
    public async Task Build_NoOllama_ServesNoModel()
    {
        await using var builder = await AppHostModelBuilder.CreateAsync("--Ollama:Mode=None");

        Assert.Empty(builder.Resources.OfType<OllamaModelResource>());
    }

    [Fact]
    public async Task Build_Catalogue_EveryModelOnTheSharedServer_AndTheApiToldEachProperty()
    {
        await using var builder = await AppHostModelBuilder.CreateAsync("--Ollama:Mode=External", $"--Ollama:Endpoint={ExternalEndpoint}");

        var api = builder.Single<ProjectResource>(ResourceNames.Api);
        var environment = await builder.EnvironmentAsync(api);
        foreach (var name in Catalogue.All)
        {
            var model = builder.Single<OllamaModelResource>(name);
            Assert.Equal(ResourceNames.Ollama, model.Parent.Name);
            Assert.Equal(name, Assert.IsType<ConnectionStringReference>(environment[$"ConnectionStrings__{name}"]).Resource.Name);
        }

        // The API binds what the AppHost wrote into the same class the declaration is: every property survives the trip.
        var settings = Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(new Microsoft.Extensions.Configuration.ConfigurationBuilder(),
            environment.Where(e => e.Key.StartsWith("Llm__Models__", StringComparison.Ordinal))
                .Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), (string?)e.Value.ToString())))
            .Build();
        var bound = settings.GetSection(Api.Llm.ModelOptions.CatalogueSection).Get<Dictionary<string, Api.Llm.ModelOptions>>()!;
        Assert.Equal(Catalogue.All.Order(), bound.Keys.Order());
        Assert.True(bound[Catalogue.Default].Default);
        Assert.Equal(Catalogue.Fast, bound[Catalogue.Default].Fallback);
        Assert.Equal(Api.Llm.ModelKind.Embedding, bound[Catalogue.Embedding].Kind);
        Assert.Equal(Catalogue.Dimensions(Catalogue.Embedding), bound[Catalogue.Embedding].Dimensions);
        Assert.True(bound[Catalogue.Fast].Titles);
    }

    [Fact]
    public async Task Build_CatalogueWithTwoDefaults_IsRefusedWithTheRule()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AppHostModelBuilder.CreateAsync("--Ollama:Mode=None", $"--Models:{Catalogue.Fast}:Default=true"));

        Assert.Contains("exactly one chat model must be the default", error.Message);
    }
}
