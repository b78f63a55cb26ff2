using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hooks;

/// <summary>
/// <c>infra/deployment-plan.json</c>, generated from the AppHost model: the same file <c>main.bicep</c> loads, so the
/// hooks check quota for exactly the pools Bicep creates and import exactly the images the manifests name.
/// </summary>
internal sealed record DeploymentPlanFile(
    string Namespace,
    PoolEntry SystemPool,
    IReadOnlyList<PoolEntry> NodePools,
    IReadOnlyList<SecretEntry> Secrets,
    IReadOnlyList<ProviderEntry> ResourceProviders,
    HookEntries Hooks)
{
    public const string RelativePath = "infra/deployment-plan.json";

    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true };

    public static DeploymentPlanFile Load(string root) =>
        JsonSerializer.Deserialize<DeploymentPlanFile>(File.ReadAllText(Path.Combine(root, RelativePath)), Options)
            ?? throw new HookFailedException($"{RelativePath} is empty.");

    public IEnumerable<PoolEntry> AllPools => [SystemPool, .. NodePools];
}

/// <summary>A node pool as Bicep creates it, with the azd values that override its size, bounds and priority.</summary>
internal sealed record PoolEntry(
    string Name,
    string VmSize,
    int MinCount,
    int MaxCount,
    string MaxSurge,
    IReadOnlyList<string>? Zones,
    int GpusPerNode,
    PoolVariables Variables);

/// <summary>The azd environment names that override a pool (empty when the pool has no such override).</summary>
internal sealed record PoolVariables(string? VmSize, string? MinCount, string? MaxCount, string? Spot, string CurrentCount);

/// <summary>
/// A resource provider the deployment needs; with <paramref name="OnlyWhen"/>, only when that azd value is true (the
/// template deploys the provider's resources only then: Cosmos DB for Table, Defender for Containers).
/// </summary>
internal sealed record ProviderEntry(string Namespace, string? OnlyWhen);

internal sealed record SecretEntry(string Name, string EnvironmentVariable, bool Generated);

internal sealed record HookEntries(
    string ClusterManifests,
    GatewayEntry Gateway,
    string WebServiceAccount,
    string? KedaIdentityClientIdVariable,
    string GatewayIdentityPrincipalIdVariable,
    IReadOnlyList<string> ExternalImages,
    IReadOnlyList<ModelImageEntry> ModelImages,
    string OllamaImage,
    string BusyboxImage);

/// <summary>The Gateway the public host's routes hang on (the smoke test reaches it at its address).</summary>
internal sealed record GatewayEntry(string Name, string Namespace);

internal sealed record ModelImageEntry(string Repository, string Tag, string Model)
{
    [JsonIgnore]
    public string Image => $"{Repository}:{Tag}";
}
