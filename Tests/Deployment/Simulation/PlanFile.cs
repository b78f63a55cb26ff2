using System.Text.Json.Nodes;

namespace Tests.Deployment.Simulation;

/// <summary>infra/deployment-plan.json as the tests read it: the same file Bicep and the hooks read.</summary>
public sealed record PlanFile(JsonNode Json)
{
    public static PlanFile Load() => new(JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "deployment-plan.json")))!);

    /// <summary>Every resource provider the plan names, whatever its condition.</summary>
    public IReadOnlyList<string> ResourceProviders => [.. Json["resourceProviders"]!.AsArray().Select(p => p!["namespace"]!.GetValue<string>())];

    public string Namespace => Json["namespace"]!.GetValue<string>();

    /// <summary>The system pool, then the user pools.</summary>
    public IReadOnlyList<JsonNode> Pools => [Json["systemPool"]!, .. Json["nodePools"]!.AsArray().Select(p => p!)];

    public IReadOnlyList<string> Secrets => [.. Json["secrets"]!.AsArray().Select(s => s!["name"]!.GetValue<string>())];

    public IReadOnlyList<string> VaultKeys => Strings(Json["vaultKeys"]);

    public IReadOnlyList<string> Tables => Strings(Json["tables"]);

    public IReadOnlyList<string> BlobContainers => Strings(Json["blobContainers"]);

    public JsonNode Hooks => Json["hooks"]!;

    private static List<string> Strings(JsonNode? node) => [.. node?.AsArray().Select(n => n!.GetValue<string>()) ?? []];
}
