using AppHost;

var builder = DistributedApplication.CreateBuilder(args);

// LLM: the Ollama container on the GPU (or ollama serve, or an existing server) with a pinned model.
var llm = LlmBackend.Add(builder);

// Conversations live in Table Storage: Azurite in run mode, a real account (managed identity) when deployed.
var storage = builder.AddAzureStorage(ResourceNames.Storage)
    .RunAsEmulator(azurite => azurite.DataDirectory = NullIfEmpty(builder.Configuration["Storage:DataDirectory"]));
var tables = storage.AddTables(ResourceNames.Tables);

// Secrets: Key Vault when deployed; AppHost parameters (user secrets) in run mode. The API reads both as configuration.
var canary = builder.AddParameter(ResourceNames.SafetyCanary, new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);
var secrets = builder.AddAzureKeyVault(ResourceNames.Secrets);
secrets.AddSecret("safety-canary-secret", "Safety--Canary", canary);

var api = builder.AddProject<Projects.Api>(ResourceNames.Api)
    .WithReference(tables).WaitFor(tables)
    .WithReference(secrets).WaitFor(secrets)
    // The Prometheus scrape endpoint for autoscaling lives on its own port, never behind the public routes.
    .WithHttpEndpoint(name: "metrics", env: "Metrics__Port")
    .WithHttpHealthCheck("/health", endpointName: "http");

if (llm.Model is { } model)
{
    api.WithReference(model).WaitFor(model);
}
else
{
    api.WithEnvironment("Llm__UnavailableReason", llm.Description);
}

// Degraded mode: a small model on CPU answers while the GPU model cannot. Not waited for: it is optional.
if (llm.Fallback is { } fallback)
{
    api.WithReference(fallback);
}

builder.AddProject<Projects.Web>(ResourceNames.Web)
    .WithReference(api).WaitFor(api)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health", endpointName: "http");

builder.Build().Run();

static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
