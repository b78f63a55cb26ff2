using System.Text.Json.Nodes;
using Hooks.Preprovision;

namespace Hooks.Postprovision;

/// <summary>
/// The Gateway's TLS certificate in Key Vault, and the right to read it. Without WEB_TLS_CERTIFICATE_URI a self-signed
/// one is created for WEB_HOSTNAME, with the host as its subject alternative name (browsers ignore the CN). The app
/// routing operator syncs it into the Gateway's namespace as the service account the Gateway names
/// (<c>kubernetes.azure.com/tls-cert-service-account</c>), whose workload identity gets Key Vault Secrets User on that
/// certificate's secret alone: the secret exists only once the certificate does, so the role is granted here, not in Bicep.
/// </summary>
internal static partial class TlsCertificate
{
    public const string UriVariable = "WEB_TLS_CERTIFICATE_URI";
    public const string ReaderScopeVariable = "WEB_TLS_READER_SCOPE";
    public const string SecretsUserRole = "Key Vault Secrets User";
    private const string SelfSignedName = "web-tls";
    private const int IssuancePolls = 30;
    private static readonly TimeSpan IssuancePollInterval = TimeSpan.FromSeconds(10);

    public static void Ensure(HookContext context)
    {
        var environment = context.Environment;
        var uri = environment[UriVariable];
        if (uri is null)
        {
            var host = environment.Require("WEB_HOSTNAME", string.Empty);
            var vault = environment.Require("AZURE_KEY_VAULT_NAME", "A Bicep output: run `azd provision`.");
            context.Step($"No TLS certificate given: creating a self-signed one for {host} in Key Vault (replace it with a CA-issued one: docs/deploy.md)...");
            var policy = JsonNode.Parse(File.ReadAllText(Path.Combine(context.Root, "infra", "hooks", "KeyVault", "self-signed-policy.json")))!;
            policy["x509CertificateProperties"]!["subject"] = $"CN={host}";
            policy["x509CertificateProperties"]!["subjectAlternativeNames"]!["dnsNames"] = new JsonArray(host);
            var file = Path.GetTempFileName();
            JsonNode? operation;
            try
            {
                File.WriteAllText(file, policy.ToJsonString());
                operation = DataPlane(context, vault, "keyvault", "certificate", "create", "--vault-name", vault, "--name", SelfSignedName, "--policy", "@" + file);
            }
            finally
            {
                File.Delete(file);
            }

            Issued(context, vault, operation);
            // Recorded only once the certificate exists: a run stopped before that creates it again.
            uri = $"{environment.Require("AZURE_KEY_VAULT_ENDPOINT", "A Bicep output.").TrimEnd('/')}/certificates/{SelfSignedName}";
            environment.Set(UriVariable, uri);
        }

        var (vaultName, certificate) = Parse(uri);
        var vaultId = context.Az.Json("keyvault", "show", "--name", vaultName)?["id"]?.GetValue<string>()
            ?? throw new HookFailedException($"Key Vault {vaultName} (from {UriVariable}) was not found in this subscription.");
        // A certificate's private key is read as the secret of the same name.
        var scope = $"{vaultId}/secrets/{certificate}";
        if (environment[ReaderScopeVariable] == scope)
        {
            return;
        }

        var reader = environment.Require(context.Plan.Hooks.GatewayIdentityPrincipalIdVariable, "A Bicep output: run `azd provision`.");
        context.Step($"The Gateway's identity may read the certificate {certificate} (Key Vault Secrets User on that secret only)...");
        var existing = context.Az.Json("role", "assignment", "list", "--assignee", reader, "--role", SecretsUserRole, "--scope", scope)?.AsArray();
        if (existing is not { Count: > 0 })
        {
            context.Az.Run("role", "assignment", "create", "--assignee-object-id", reader, "--assignee-principal-type", "ServicePrincipal", "--role", SecretsUserRole, "--scope", scope, "-o", "json").OrThrow();
        }

        environment.Set(ReaderScopeVariable, scope);
    }

    /// <summary>
    /// The create command answers with the certificate operation, and exits 0 whatever its status: for a self-signed
    /// policy it waits while the status is <c>inProgress</c> and returns the operation as it ended, <c>completed</c>,
    /// <c>failed</c> (with Key Vault's <c>error</c>) or <c>cancelled</c>; for another issuer it returns at once
    /// (azure-cli, <c>command_modules/keyvault/custom.py</c>, <c>create_certificate</c>). The certificate's secret,
    /// which the Gateway's role names, exists only once the operation completed: until then the hook waits, and a
    /// failed issuance stops it with Key Vault's reason.
    /// </summary>
    private static void Issued(HookContext context, string vault, JsonNode? operation)
    {
        for (var poll = 1; Status(operation) == "inProgress" && poll <= IssuancePolls; poll++)
        {
            Tools.Clock.Pause(IssuancePollInterval);
            operation = DataPlane(context, vault, "keyvault", "certificate", "pending", "show", "--vault-name", vault, "--name", SelfSignedName);
        }

        var status = Status(operation);
        if (status != "completed")
        {
            var error = operation?["error"] is { } e ? $"{e["code"]}: {e["message"]}" : "no error given";
            throw new HookFailedException(
                $"Key Vault did not issue the self-signed certificate {SelfSignedName} in {vault}: the operation is {status ?? "missing"} ({error}). Nothing was granted on it. Run `azd provision` again to create it anew, or import a certificate and set {UriVariable} (docs/deploy.md, \"DNS and TLS\").");
        }
    }

    /// <summary>
    /// A call to the vault's data plane from this machine. With STORES_NETWORK_ACCESS restricted the vault answers only
    /// the addresses of STORES_ALLOWED_IP_RANGES: anyone else gets 403 ForbiddenByFirewall, whatever their role
    /// (learn.microsoft.com azure/key-vault/general/network-security), which is said here in the settings' terms.
    /// </summary>
    private static JsonNode? DataPlane(HookContext context, string vault, params string[] arguments)
    {
        var (value, result) = context.Az.TryJson(arguments);
        if (result.Succeeded)
        {
            return value;
        }

        if (result.Error.Contains("ForbiddenByFirewall", StringComparison.Ordinal))
        {
            var address = ClientAddress().Match(result.Error) is { Success: true } m ? m.Groups[1].Value : "this machine's address";
            throw new HookFailedException(
                $"Key Vault {vault} refused this machine ({address}, ForbiddenByFirewall): its firewall admits only the cluster and {StoresNetwork.RangesVariable} "
                + $"({StoresNetwork.AccessVariable} is restricted). Add this machine's public address: `azd env set {StoresNetwork.RangesVariable} <ranges>,{address}`, "
                + $"then run `azd provision` again. Or name an existing certificate in {UriVariable} (docs/deploy.md, \"DNS and TLS\"): the hook then needs no call to the vault's data plane.");
        }

        result.OrThrow();
        return value;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"Client address: ([0-9a-fA-F.:]+)")]
    private static partial System.Text.RegularExpressions.Regex ClientAddress();

    private static string? Status(JsonNode? operation) => operation?["status"]?.GetValue<string>();

    /// <summary>The vault and certificate of a versionless certificate URI; the operator follows renewals only through one.</summary>
    public static (string Vault, string Certificate) Parse(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme != "https" || !parsed.Host.EndsWith(".vault.azure.net", StringComparison.OrdinalIgnoreCase)
            || parsed.Segments is not ["/", "certificates/", _])
        {
            throw new HookFailedException($"{UriVariable} '{uri}' is not a versionless Key Vault certificate URI (https://<vault>.vault.azure.net/certificates/<name>). A versioned URI would pin the Gateway to one certificate and miss its renewals.");
        }

        return (parsed.Host[..parsed.Host.IndexOf('.', StringComparison.Ordinal)], parsed.Segments[2].TrimEnd('/'));
    }
}
