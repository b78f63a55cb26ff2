using System.Text.Json.Nodes;
using Hooks.Tools;

namespace Hooks.Preprovision;

/// <summary>
/// The Entra ID app registrations Bicep cannot create: the API (identifier <c>api://{appId}</c>, v2 tokens, scope
/// <c>chat</c>) and the web (redirect <c>https://{WEB_HOSTNAME}/signin-oidc</c>, its Graph sign-in permissions),
/// with the web pre-authorized for <c>chat</c> so users are never asked to consent to it.
/// Each app's id is recorded as soon as it exists, and a marker once it is fully set up (ENTRA_API_SCOPE_ID,
/// ENTRA_WEB_REDIRECT_URI): an interrupted run resumes, and a run that finds the markers makes no Graph call at all,
/// which is what lets CI deploy without any Graph permission (docs/deploy.md, "CI/CD").
/// </summary>
internal static class AppRegistrations
{
    public const string ApiClientId = "ENTRA_API_CLIENT_ID";
    public const string WebClientId = "ENTRA_WEB_CLIENT_ID";
    public const string ApiScopeId = "ENTRA_API_SCOPE_ID";
    public const string WebRedirectUri = "ENTRA_WEB_REDIRECT_URI";
    public const string WebOptionalClaims = "ENTRA_WEB_OPTIONAL_CLAIMS";
    public const string ApiAppRoles = "ENTRA_API_APP_ROLES";

    /// <summary>Recorded once the API's registration asks for the groups assigned to it in its tokens.</summary>
    public const string ApiGroupClaims = "ENTRA_API_GROUP_CLAIMS";

    /// <summary>The user's switch: whether only users and groups assigned to the web may sign in (default true).</summary>
    public const string AssignmentRequired = "ENTRA_ASSIGNMENT_REQUIRED";

    /// <summary>Recorded once the web's service principal requires assignment as <see cref="AssignmentRequired"/> says.</summary>
    public const string WebAssignmentRequired = "ENTRA_WEB_ASSIGNMENT_REQUIRED";

    private const string GroupClaimsValue = "ApplicationGroup";

    public static void Ensure(HookContext context)
    {
        var environment = context.Environment;
        var redirect = $"https://{environment.Require("WEB_HOSTNAME", string.Empty)}/signin-oidc";
        var name = environment.Require("AZURE_ENV_NAME", "azd sets it.");

        var api = environment[ApiClientId] ?? Create(context, ApiClientId, "Creating the API app registration...", "ad", "app", "create", "--display-name", $"llmchat-api-{name}", "--sign-in-audience", "AzureADMyOrg");
        var web = environment[WebClientId] ?? CreateWeb(context, $"llmchat-web-{name}", redirect);

        if (environment[ApiScopeId] is null)
        {
            context.Step("The API's identifier, service principal and scope, pre-authorized for the web...");
            Graph(context, () => context.Az.Run("ad", "app", "update", "--id", api, "--identifier-uris", $"api://{api}"));
            EnsureServicePrincipal(context, api);
            environment.Set(ApiScopeId, ExposeScope(context, api, web));
        }

        if (environment[WebRedirectUri] != redirect)
        {
            context.Step($"The web's sign-in redirect: {redirect}...");
            Graph(context, () => context.Az.Run("ad", "app", "update", "--id", web, "--web-redirect-uris", redirect));
            EnsureServicePrincipal(context, web);
            environment.Set(WebRedirectUri, redirect);
        }

        if (environment[WebOptionalClaims] != "auth_time")
        {
            // auth_time in the web's ID tokens: a new API key needs a sign-in minutes ago (infra/hooks/Entra/README.md).
            context.Step("The web's ID tokens carry the time of sign-in (auth_time)...");
            var claims = JsonNode.Parse(File.ReadAllText(Path.Combine(context.Root, "infra", "hooks", "Entra", "web-optional-claims.json")))!;
            Graph(context, () => context.Az.Rest("PATCH", $"https://graph.microsoft.com/v1.0/applications(appId='{web}')", new JsonObject { ["optionalClaims"] = claims.DeepClone() }));
            environment.Set(WebOptionalClaims, "auth_time");
        }

        if (environment[ApiGroupClaims] != GroupClaimsValue)
        {
            // Without it Entra puts no groups claim in the API's tokens, and every group budget, group quota and group-only
            // model would bind nobody. ApplicationGroup: only the groups assigned to the API's enterprise app, which keeps
            // tokens under Entra's 200-group limit (learn.microsoft.com, "Configure group claims for applications").
            context.Step("The API's tokens carry the groups assigned to it (groupMembershipClaims ApplicationGroup)...");
            Graph(context, () => context.Az.Rest("PATCH", $"https://graph.microsoft.com/v1.0/applications(appId='{api}')", new JsonObject { ["groupMembershipClaims"] = GroupClaimsValue }));
            environment.Set(ApiGroupClaims, GroupClaimsValue);
        }

        var assignment = AssignmentRequiredSetting(environment);
        if (environment[WebAssignmentRequired] != assignment.ToString().ToLowerInvariant())
        {
            // Required: only the users and groups an admin assigned to the web's enterprise app may sign in; otherwise every
            // account of the tenant, guests included, could use the GPU.
            context.Step(assignment
                ? "Only users and groups assigned to the web may sign in (appRoleAssignmentRequired)..."
                : $"Every account of the tenant may sign in ({AssignmentRequired} is false)...");
            Graph(context, () => context.Az.Rest("PATCH", $"https://graph.microsoft.com/v1.0/servicePrincipals(appId='{web}')", new JsonObject { ["appRoleAssignmentRequired"] = assignment }));
            environment.Set(WebAssignmentRequired, assignment.ToString().ToLowerInvariant());
        }

        var roles = JsonNode.Parse(File.ReadAllText(Path.Combine(context.Root, "infra", "hooks", "Entra", "api-app-roles.json")))!.AsArray();
        var declared = string.Join(',', roles.Select(r => r!["value"]!.GetValue<string>()));
        if (environment[ApiAppRoles] != declared)
        {
            context.Step($"The API's app roles ({declared}), for the admin pages...");
            DeclareAppRoles(context, api, roles);
            environment.Set(ApiAppRoles, declared);
        }
    }

    /// <summary>The <see cref="AssignmentRequired"/> switch: true unless set to false.</summary>
    public static bool AssignmentRequiredSetting(AzdEnvironment environment) => environment[AssignmentRequired] is { } text
        ? bool.TryParse(text, out var required) ? required : throw new HookFailedException($"{AssignmentRequired} is '{text}': use true or false.")
        : true;

    /// <summary>
    /// Adds each role of <c>api-app-roles.json</c> the registration lacks, with an id made once; the roles it has stay
    /// as they are, whatever else they are: Graph replaces <c>appRoles</c> as a whole, and refuses to change or remove
    /// an enabled role (CannotDeleteOrUpdateEnabledEntitlement), so every stored one is sent back unchanged.
    /// </summary>
    private static void DeclareAppRoles(HookContext context, string api, JsonArray roles)
    {
        var application = Json(context.Az.Replicated(() => context.Az.Run("ad", "app", "show", "--id", api, "-o", "json")));
        // origin is read-only: Graph refuses it in a PATCH.
        var stored = application["appRoles"]?.AsArray().Select(r => { var role = r!.DeepClone().AsObject(); role.Remove("origin"); return role; }).ToList() ?? [];
        var missing = roles.Where(r => stored.All(s => s["value"]?.GetValue<string>() != r!["value"]!.GetValue<string>())).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        foreach (var role in missing)
        {
            var added = role!.DeepClone().AsObject();
            added["id"] = Guid.NewGuid().ToString();
            stored.Add(added);
        }

        Graph(context, () => context.Az.Rest("PATCH", $"https://graph.microsoft.com/v1.0/applications(appId='{api}')", new JsonObject { ["appRoles"] = new JsonArray([.. stored.Select(r => r.DeepClone())]) }));
    }

    private static string CreateWeb(HookContext context, string displayName, string redirect)
    {
        var permissions = Path.Combine(context.Root, "infra", "hooks", "Entra", "web-sign-in-permissions.json");
        return Create(context, WebClientId, "Creating the web app registration...", "ad", "app", "create", "--display-name", displayName, "--sign-in-audience", "AzureADMyOrg",
            "--web-redirect-uris", redirect, "--required-resource-accesses", "@" + permissions);
    }

    /// <summary>Creates an app registration and records its id at once, so a failure later never creates a second one.</summary>
    private static string Create(HookContext context, string variable, string message, params string[] arguments)
    {
        context.Step(message);
        // Never retried: a second create would make a second registration.
        var app = Json(context.Az.Run([.. arguments, "-o", "json"]));
        var appId = app["appId"]!.GetValue<string>();
        context.Environment.Set(variable, appId);
        return appId;
    }

    private static void EnsureServicePrincipal(HookContext context, string appId)
    {
        var existing = context.Az.Run("ad", "sp", "show", "--id", appId, "-o", "json");
        if (!existing.Succeeded)
        {
            Graph(context, () => context.Az.Run("ad", "sp", "create", "--id", appId, "-o", "json"));
        }
    }

    /// <summary>
    /// Two requests, the scope first. Graph checks <c>preAuthorizedApplications[].delegatedPermissionIds</c> against the
    /// scopes already stored on the application, not those in the same body: one PATCH with both is refused with
    /// "...has a Permission Id that cannot be found in the AppPermissions sets" (microsoft-graph-docs issues 12675 and
    /// 20177, msgraph-sdk-dotnet issue 2044), and since the scope is never stored every retry fails the same way.
    /// Each PATCH sends the whole <c>api</c> object: Graph replaces a complex property as a whole.
    /// </summary>
    private static string ExposeScope(HookContext context, string api, string web)
    {
        var application = Json(context.Az.Replicated(() => context.Az.Run("ad", "app", "show", "--id", api, "-o", "json")));
        var scopes = application["api"]?["oauth2PermissionScopes"]?.AsArray().Select(s => s!.DeepClone()).ToList() ?? [];
        var chat = scopes.FirstOrDefault(s => s["value"]?.GetValue<string>() == "chat");
        if (chat is null)
        {
            chat = JsonNode.Parse(File.ReadAllText(Path.Combine(context.Root, "infra", "hooks", "Entra", "api-scope.json")))!;
            chat["id"] = Guid.NewGuid().ToString();
            scopes.Add(chat);
            Patch(context, api, new JsonObject { ["requestedAccessTokenVersion"] = 2, ["oauth2PermissionScopes"] = new JsonArray([.. scopes.Select(s => s.DeepClone())]) });
        }

        var scopeId = chat["id"]!.GetValue<string>();
        var preAuthorized = application["api"]?["preAuthorizedApplications"]?.AsArray().Select(p => p!.DeepClone())
            .Where(p => p["appId"]?.GetValue<string>() != web).ToList() ?? [];
        preAuthorized.Add(new JsonObject { ["appId"] = web, ["delegatedPermissionIds"] = new JsonArray(scopeId) });
        Patch(context, api, new JsonObject
        {
            ["requestedAccessTokenVersion"] = 2,
            ["oauth2PermissionScopes"] = new JsonArray([.. scopes.Select(s => s.DeepClone())]),
            ["preAuthorizedApplications"] = new JsonArray([.. preAuthorized]),
        });
        return scopeId;
    }

    private static void Patch(HookContext context, string appId, JsonObject api) =>
        Graph(context, () => context.Az.Rest("PATCH", $"https://graph.microsoft.com/v1.0/applications(appId='{appId}')", new JsonObject { ["api"] = api }));

    /// <summary>A Graph call on an object that may have been created seconds ago.</summary>
    private static ToolResult Graph(HookContext context, Func<ToolResult> call) => Checked(context.Az.Replicated(call));

    /// <summary>A refusal for lack of rights says who must act; any other failure stops the hook with Graph's error.</summary>
    private static ToolResult Checked(ToolResult result)
    {
        if (!result.Succeeded && Az.IsDenied(result))
        {
            throw new HookFailedException(
                $"Microsoft Graph refused `{result.Command}` for lack of permission. Setting up the app registrations needs a person who may create and update app registrations in the tenant (Application Developer or higher): run `azd provision` once as them for this environment (docs/deploy.md, \"One-time bootstrap\").\n{result.Error.Trim()}");
        }

        return result.OrThrow();
    }

    private static JsonNode Json(ToolResult result) =>
        JsonNode.Parse(Checked(result).Output) ?? throw new HookFailedException($"`{result.Command}` answered nothing.");
}
