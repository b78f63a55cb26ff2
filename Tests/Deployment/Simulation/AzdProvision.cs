using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Tests.Deployment.Simulation;

/// <summary>
/// What <c>azd provision</c> does with <c>infra/main.bicep</c> that matters to what follows: it substitutes
/// <c>${NAME}</c> and <c>${NAME=default}</c> in <c>main.parameters.json</c> from the azd environment, deploys, and
/// stores every output of the compiled template in the environment under its own name. The outputs' values are
/// stand-ins (nothing is deployed here); their names are the compiled template's.
/// </summary>
public static partial class AzdProvision
{
    /// <summary>main.bicep compiled by the Bicep CLI (ARM JSON, modules nested).</summary>
    public static async Task<JsonNode> CompileAsync()
    {
        var build = await Repository.RunAsync(Repository.BicepPath, ["build", "infra/main.bicep", "--stdout"], TimeSpan.FromMinutes(2));
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException(build.Output);
        }

        return JsonNode.Parse(build.Output[build.Output.IndexOf('{', StringComparison.Ordinal)..])!;
    }

    /// <summary>The compiled template's output names.</summary>
    public static IReadOnlyList<string> OutputNames(JsonNode template) => [.. template["outputs"]!.AsObject().Select(o => o.Key)];

    /// <summary>The compiled template's output names.</summary>
    public static async Task<IReadOnlyList<string>> OutputNamesAsync() => OutputNames(await CompileAsync());

    /// <summary>
    /// What `azd provision` creates, for the fake azd: the outputs it stores in the environment, and the resources the
    /// later calls act on (the cluster and its pools, with the Gateway API CRDs, KEDA and the Secrets Store CSI driver when
    /// the compiled template turns them on; the vault with the plan's secrets and keys; the registry; the identities' principals).
    /// </summary>
    public static JsonObject Plan(JsonNode template)
    {
        var outputs = Outputs(OutputNames(template));
        var cluster = Resources(template).First(r => r["type"]?.GetValue<string>() == "Microsoft.ContainerService/managedClusters")["properties"]!;
        var plan = PlanFile.Load();
        return new JsonObject
        {
            ["outputs"] = new JsonObject([.. outputs.Select(o => KeyValuePair.Create(o.Key, (JsonNode?)o.Value))]),
            ["resourceGroup"] = outputs["AZURE_RESOURCE_GROUP"],
            ["cluster"] = new JsonObject
            {
                ["name"] = outputs["AZURE_AKS_CLUSTER_NAME"],
                ["gatewayApi"] = cluster["ingressProfile"]?["gatewayAPI"]?["installation"]?.ToString() == "Standard"
                    && cluster["ingressProfile"]?["webAppRouting"]?["gatewayAPIImplementations"]?["appRoutingIstio"]?["mode"]?.ToString() == "Enabled",
                ["keda"] = cluster["workloadAutoScalerProfile"]?["keda"]?["enabled"]?.ToString() == "true",
                ["secretsStore"] = cluster["addonProfiles"]?["azureKeyvaultSecretsProvider"]?["enabled"]?.ToString() == "true",
                ["pools"] = new JsonArray([.. plan.Pools.Select(p => (JsonNode)new JsonObject
                {
                    ["name"] = p["name"]!.DeepClone(),
                    ["vmSize"] = p["vmSize"]!.DeepClone(),
                    ["minCount"] = p["minCount"]!.DeepClone(),
                    ["maxCount"] = p["maxCount"]!.DeepClone(),
                    ["vmSizeVariable"] = p["variables"]?["vmSize"]?.DeepClone(),
                    ["minCountVariable"] = p["variables"]?["minCount"]?.DeepClone(),
                    ["maxCountVariable"] = p["variables"]?["maxCount"]?.DeepClone(),
                    ["currentCountVariable"] = p["variables"]!["currentCount"]!.DeepClone(),
                })]),
            },
            ["vault"] = new JsonObject
            {
                ["name"] = outputs["AZURE_KEY_VAULT_NAME"],
                ["secrets"] = new JsonArray([.. plan.Secrets.Select(n => (JsonNode)n)]),
                ["keys"] = new JsonArray([.. plan.VaultKeys.Select(n => (JsonNode)n)]),
                ["network"] = VaultNetwork(template),
            },
            ["registry"] = new JsonObject { ["name"] = outputs["AZURE_CONTAINER_REGISTRY_NAME"] },
            ["principals"] = new JsonArray([.. outputs.Where(o => o.Key.EndsWith("_PRINCIPAL_ID", StringComparison.Ordinal)).Select(o => (JsonNode)o.Value)]),
            ["principalRoles"] = new JsonArray([.. DeployerRoles(template)]),
        };
    }

    /// <summary>
    /// When the vault's firewall denies by default, as the compiled template says: never (<c>Allow</c>), always
    /// (<c>Deny</c>), or when an azd value says so, with the azd value listing the addresses it admits. Read from the
    /// template's <c>networkAcls</c> and from the parameter file's mapping of the two parameters main.bicep forwards.
    /// </summary>
    private static JsonObject VaultNetwork(JsonNode template)
    {
        var acls = Resources(template).First(r => r["type"]?.GetValue<string>() == "Microsoft.KeyVault/vaults")["properties"]?["networkAcls"];
        var defaultAction = acls?["defaultAction"]?.GetValue<string>() ?? "Allow";
        var parameters = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.parameters.json")))!["parameters"]!;
        string? Variable(string parameter) => parameters[parameter]?["value"]?.GetValue<string>() is { } text && AzdReference().Match(text) is { Success: true } m ? m.Groups[1].Value : null;
        var mode = defaultAction switch
        {
            "Allow" => "never",
            "Deny" => "always",
            _ when defaultAction.Contains("parameters('network').restricted", StringComparison.Ordinal) && acls?["ipRules"]?.ToString().Contains("parameters('network').ipRules", StringComparison.Ordinal) == true => "whenSet",
            _ => throw new InvalidOperationException($"The vault's firewall depends on something the simulation does not follow: {defaultAction}"),
        };
        return new JsonObject
        {
            ["denyByDefault"] = mode,
            ["accessVariable"] = Variable("storesNetworkAccess"),
            ["rangesVariable"] = Variable("storesAllowedIpRanges"),
        };
    }

    [GeneratedRegex(@"^\$\{([A-Z0-9_]+)(=[^}]*)?\}$")]
    private static partial Regex AzdReference();

    // The built-in roles the template gives the principals that deploy (learn.microsoft.com azure/role-based-access-control/built-in-roles).
    private static readonly Dictionary<string, string> DeployerRoleNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"] = "Azure Kubernetes Service RBAC Cluster Admin",
        ["a4417e6f-fecd-4de8-b567-7b0420556985"] = "Key Vault Certificates Officer",
    };

    /// <summary>
    /// The role assignments the compiled template makes for a top-level principal parameter (principalId, which azd
    /// fills with its own signed-in principal, or another filled from the environment), read from its role-assignment
    /// modules: which parameter, which role, on what.
    /// </summary>
    public static IEnumerable<JsonNode> DeployerRoles(JsonNode template)
    {
        var parameters = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.parameters.json")))!["parameters"]!;
        foreach (var module in TemplateWalk.Resources(template).Where(r => r.Type == "Microsoft.Resources/deployments"))
        {
            var principal = module.Parameter("principalId") is { } p ? SingleParameter().Match(p) : Match.Empty;
            var role = module.Parameter("roleDefinitionId");
            if (!principal.Success || role is null || !DeployerRoleNames.TryGetValue(role, out var roleName) || template["parameters"]?[principal.Groups[1].Value] is null)
            {
                continue;
            }

            var name = principal.Groups[1].Value;
            var variable = Placeholder().Match(parameters[name]?["value"]?.GetValue<string>() ?? string.Empty).Groups[1].Value;
            yield return new JsonObject
            {
                ["parameter"] = name,
                ["variable"] = variable,
                ["role"] = roleName,
                ["scope"] = !string.IsNullOrEmpty(module.Parameter("clusterId")) ? "cluster" : !string.IsNullOrEmpty(module.Parameter("keyVaultId")) ? "vault" : "resourceGroup",
                ["principalType"] = module.Parameter("principalType") is { } type && !type.StartsWith('[') ? type : "User",
            };
        }
    }

    /// <summary>Every resource of a compiled template, nested deployments (modules) included.</summary>
    public static IEnumerable<JsonNode> Resources(JsonNode template)
    {
        var resources = template["resources"] switch
        {
            JsonArray array => array.Select(r => r!),
            JsonObject map => map.Select(r => r.Value!),
            _ => [],
        };
        foreach (var resource in resources)
        {
            yield return resource;
            if (resource["properties"]?["template"] is { } nested)
            {
                foreach (var inner in Resources(nested))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>Plausible values for the outputs, as a real provision would store them.</summary>
    public static Dictionary<string, string> Outputs(IEnumerable<string> names) => names.ToDictionary(n => n, n => n switch
    {
        "AZURE_LOCATION" => "westeurope",
        "AZURE_TENANT_ID" => "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "AZURE_RESOURCE_GROUP" => "rg-llmchat-test",
        "AZURE_AKS_CLUSTER_NAME" => "aks-x7k2p9",
        "AZURE_AKS_OIDC_ISSUER_URL" => "https://westeurope.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/9a1b2c3d-0000-4000-8000-000000000001/",
        "AZURE_CONTAINER_REGISTRY_ENDPOINT" => "crx7k2p9.azurecr.io",
        "AZURE_CONTAINER_REGISTRY_NAME" => "crx7k2p9",
        "AZURE_KEY_VAULT_NAME" => "kv-x7k2p9",
        "AZURE_KEY_VAULT_ENDPOINT" => "https://kv-x7k2p9.vault.azure.net/",
        "AZURE_STORAGE_ACCOUNT_NAME" => "stx7k2p9",
        "AZURE_TABLES_ENDPOINT" => "https://stx7k2p9.table.core.windows.net/",
        "AZURE_PROMETHEUS_QUERY_ENDPOINT" => "https://amw-x7k2p9-abcd.westeurope.prometheus.monitor.azure.com",
        "APPLICATIONINSIGHTS_CONNECTION_STRING" => "InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/",
        _ when n.EndsWith("_CLIENT_ID", StringComparison.Ordinal) || n.EndsWith("_PRINCIPAL_ID", StringComparison.Ordinal) => Guid(n),
        _ => "value-of-" + n.ToLowerInvariant(),
    }, StringComparer.Ordinal);

    /// <summary>The environment names <c>main.parameters.json</c> needs that have no default and no value: azd would pass them empty.</summary>
    public static IReadOnlyList<string> MissingParameters(string parametersJson, IReadOnlyDictionary<string, string> environment) =>
        [.. Placeholder().Matches(parametersJson)
            .Where(m => !m.Groups[2].Success && (!environment.TryGetValue(m.Groups[1].Value, out var value) || value.Length == 0))
            .Select(m => m.Groups[1].Value).Distinct()];

    private static string Guid(string seed) =>
        new Guid(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(seed))).ToString();

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)(=[^}]*)?\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^\[parameters\('([A-Za-z0-9_]+)'\)\]$")]
    private static partial Regex SingleParameter();
}
