using System.Text.Json.Nodes;
using Hooks.Tools;

namespace Hooks.Preprovision;

/// <summary>
/// Pre-authorizing the API's scope covers the API only; the web's own sign-in permissions (<c>openid profile
/// offline_access</c> on Microsoft Graph) still need consent. Where the tenant lets users consent (the "legacy" user
/// consent policy), each user is asked once; where it does not, sign-in fails with "Need admin approval" until an admin
/// grants consent for the whole tenant. This step finds out which, and says what an admin must run. It only warns: the
/// grant may be given after the deployment. What it found is recorded in ENTRA_WEB_CONSENT (<c>granted</c>,
/// <c>users</c>: each user consents once, or <c>admin-required</c>); only the last is checked again on the next run.
/// </summary>
internal static class SignInConsent
{
    public const string Variable = "ENTRA_WEB_CONSENT";
    private const string GraphAppId = "00000003-0000-0000-c000-000000000000";
    private static readonly string[] SignInScopes = ["openid", "profile", "offline_access"];

    public static void Check(HookContext context)
    {
        if (context.Environment[Variable] is "granted" or "users")
        {
            return;
        }

        var web = context.Environment.Require(AppRegistrations.WebClientId, string.Empty);
        var grant = $"`az ad app permission admin-consent --id {web}` (run by a Cloud Application Administrator, Application Administrator or Privileged Role Administrator)";
        var graph = Get(context, $"https://graph.microsoft.com/v1.0/servicePrincipals(appId='{GraphAppId}')?$select=id");
        var client = graph.Value is null ? graph : Get(context, $"https://graph.microsoft.com/v1.0/servicePrincipals(appId='{web}')?$select=id");
        if (graph.Value is null || client.Value is null)
        {
            context.Step($"Could not check sign-in consent ({(Az.IsDenied(graph.Result) || Az.IsDenied(client.Result) ? "no permission to read it" : "Graph did not answer")}). If users see \"Need admin approval\" when signing in, an admin must run {grant}.");
            return;
        }

        var filter = Uri.EscapeDataString($"clientId eq '{client.Value["id"]!.GetValue<string>()}' and consentType eq 'AllPrincipals'");
        var grants = Get(context, $"https://graph.microsoft.com/v1.0/oauth2PermissionGrants?$filter={filter}");
        var granted = grants.Value?["value"]?.AsArray().Any(g => g!["resourceId"]?.GetValue<string>() == graph.Value["id"]!.GetValue<string>()
            && SignInScopes.All(s => (g["scope"]?.GetValue<string>() ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(s))) == true;
        if (granted)
        {
            context.Step("Sign-in consent: granted for the whole tenant.");
            context.Environment.Set(Variable, "granted");
            return;
        }

        var policy = Get(context, "https://graph.microsoft.com/v1.0/policies/authorizationPolicy");
        var assigned = policy.Value?["defaultUserRolePermissions"]?["permissionGrantPoliciesAssigned"]?.AsArray().Select(p => p!.GetValue<string>()).ToList();
        if (assigned?.Any(p => p.StartsWith("ManagePermissionGrantsForSelf.microsoft-user-default-legacy", StringComparison.Ordinal)) == true)
        {
            context.Step($"Sign-in consent: users of this tenant may consent themselves; each is asked once, at first sign-in. To spare them the prompt, an admin can run {grant}.");
            context.Environment.Set(Variable, "users");
        }
        else
        {
            context.Environment.Set(Variable, "admin-required");
            context.Step($"WARNING: this tenant {(assigned is null ? "may not let" : "does not let")} users consent to apps, and nobody has granted consent for the web's sign-in (openid, profile, offline_access). Sign-in will fail with \"Need admin approval\" until an admin runs {grant}.");
        }
    }

    private static (JsonNode? Value, ToolResult Result) Get(HookContext context, string url)
    {
        var result = context.Az.Replicated(() => context.Az.Rest("GET", url));
        return (result.Succeeded ? JsonNode.Parse(result.Output) : null, result);
    }
}
