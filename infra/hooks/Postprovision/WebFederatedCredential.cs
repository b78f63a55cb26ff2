using System.Text.Json.Nodes;

namespace Hooks.Postprovision;

/// <summary>
/// The web signs in to Entra ID with its service account's token (AZURE_FEDERATED_TOKEN_FILE in the pod): its app
/// registration trusts tokens the cluster's OIDC issuer signs for that one service account. Recorded in
/// ENTRA_WEB_FEDERATED_ISSUER: a run against the same cluster makes no Graph call; a new cluster (new issuer) updates it.
/// </summary>
internal static class WebFederatedCredential
{
    public const string Variable = "ENTRA_WEB_FEDERATED_ISSUER";

    public static void Ensure(HookContext context)
    {
        var issuer = context.Environment.Require("AZURE_AKS_OIDC_ISSUER_URL", "A Bicep output: run `azd provision`.");
        if (context.Environment[Variable] == issuer)
        {
            return;
        }

        context.Step("The web's federated credential (issuer: the cluster; subject: its service account)...");
        var web = context.Environment.Require(Preprovision.AppRegistrations.WebClientId, "The preprovision hook sets it.");
        var ns = context.Plan.Namespace;
        var account = context.Plan.Hooks.WebServiceAccount;
        var name = $"aks-{ns}-{account}";
        var credential = new JsonObject
        {
            ["name"] = name,
            ["issuer"] = issuer,
            ["subject"] = $"system:serviceaccount:{ns}:{account}",
            ["audiences"] = new JsonArray("api://AzureADTokenExchange"),
            ["description"] = "The llmchat web pods on AKS.",
        };
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, credential.ToJsonString());
            var existing = Denied(context.Az.Run("ad", "app", "federated-credential", "list", "--id", web, "-o", "json"));
            var current = JsonNode.Parse(existing.Output)?.AsArray().FirstOrDefault(c => c!["name"]?.GetValue<string>() == name);
            if (current is null)
            {
                Denied(context.Az.Run("ad", "app", "federated-credential", "create", "--id", web, "--parameters", "@" + file, "-o", "json"));
            }
            else if (current["issuer"]?.GetValue<string>() != issuer)
            {
                Denied(context.Az.Run("ad", "app", "federated-credential", "update", "--id", web, "--federated-credential-id", name, "--parameters", "@" + file, "-o", "json"));
            }
        }
        finally
        {
            File.Delete(file);
        }

        context.Environment.Set(Variable, issuer);
    }

    private static Tools.ToolResult Denied(Tools.ToolResult result)
    {
        if (!result.Succeeded && Tools.Az.IsDenied(result))
        {
            throw new HookFailedException($"Microsoft Graph refused to update the web's federated credential: the cluster (and its OIDC issuer) is new. A person who may update app registrations must run `azd provision` once for this environment (docs/deploy.md, \"One-time bootstrap\").\n{result.Error.Trim()}");
        }

        return result.OrThrow();
    }
}
