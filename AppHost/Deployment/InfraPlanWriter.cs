using System.Text.Json;
using System.Text.Json.Nodes;

namespace AppHost.Deployment;

/// <summary>
/// The data Bicep reads: <c>infra/deployment-plan.json</c> (pools, workload identities and their roles, secrets;
/// <c>main.bicep</c> loads it with <c>loadJsonContent</c>) and <c>infra/main.parameters.json</c> (azd's mapping of
/// environment values to parameters). <c>main.bicep</c> itself is a plain file.
/// </summary>
internal static class InfraPlanWriter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string PlanJson(DeploymentPlan plan)
    {
        var document = new JsonObject
        {
            ["$comment"] = "Generated from the AppHost model (AppHost/Deployment); infra/main.bicep reads it. Do not edit: change AppHost.cs and regenerate.",
            ["namespace"] = plan.Namespace,
            ["systemPool"] = new JsonObject { ["vmSize"] = plan.SystemVmSize },
            ["nodePools"] = new JsonArray([.. plan.Pools.Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p.Name,
                ["vmSize"] = p.VmSize,
                ["minCount"] = p.MinCount,
                ["maxCount"] = p.MaxCount,
                ["taints"] = new JsonArray([.. p.Taints.Select(t => (JsonNode)JsonValue.Create(t.ToString()))]),
                // AKS sets the agentpool label itself and refuses it in nodeLabels.
                ["labels"] = new JsonObject([.. p.Labels.Where(l => !l.Key.StartsWith("kubernetes.azure.com/", StringComparison.Ordinal)).Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))]),
                ["gpusPerNode"] = p.GpusPerNode,
                ["allowedVmSizes"] = new JsonArray([.. p.AllowedVmSizes.Select(s => (JsonNode)JsonValue.Create(s))]),
            })]),
            ["workloadIdentities"] = new JsonArray([.. plan.Identities.Select(i => (JsonNode)new JsonObject
            {
                ["name"] = i.Name,
                ["namespace"] = i.Namespace,
                ["serviceAccount"] = i.ServiceAccount,
                ["clientIdOutput"] = i.ClientIdVariable,
            })]),
            ["roleAssignments"] = new JsonArray([.. plan.RoleAssignments.Select(r => (JsonNode)new JsonObject
            {
                ["identity"] = r.Identity,
                ["scope"] = r.Scope,
                ["role"] = r.Role.Name,
                ["roleDefinitionId"] = r.Role.DefinitionId,
            })]),
            ["secrets"] = new JsonArray([.. plan.Secrets.Select(s => (JsonNode)new JsonObject
            {
                ["name"] = s.SecretName,
                ["environmentVariable"] = s.EnvironmentVariable,
                ["generated"] = s.Generated,
            })]),
        };
        return document.ToJsonString(Indented) + "\n";
    }

    /// <summary>azd substitutes <c>${NAME}</c> and <c>${NAME=default}</c> in this file's text before it parses it.</summary>
    public static string Parameters(DeploymentPlan plan)
    {
        var parameters = new JsonObject
        {
            ["environmentName"] = Value("${AZURE_ENV_NAME}"),
            ["location"] = Value("${AZURE_LOCATION}"),
            ["principalId"] = Value("${AZURE_PRINCIPAL_ID}"),
            ["principalType"] = Value("${AZURE_PRINCIPAL_TYPE=User}"),
            ["nodePoolVmSizes"] = Value(new JsonObject([.. plan.Pools.Select(p => KeyValuePair.Create(p.Name, (JsonNode?)$"${{AKS_{AzdEnvironment.Normalize(p.Name)}_VM_SIZE={p.VmSize}}}"))])),
            ["keyVaultNameSuffix"] = Value("${AZURE_KEY_VAULT_NAME_SUFFIX=}"),
            ["secretValues"] = Value(new JsonObject([.. plan.Secrets.Select(s => KeyValuePair.Create(s.SecretName, (JsonNode?)$"${{{s.EnvironmentVariable}}}"))])),
            ["alertEmails"] = Value(new JsonArray()),
        };

        var document = new JsonObject
        {
            ["$schema"] = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
            ["contentVersion"] = "1.0.0.0",
            ["parameters"] = parameters,
        };
        return document.ToJsonString(Indented) + "\n";

        static JsonObject Value(JsonNode value) => new() { ["value"] = value };
    }
}
