using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Tests.Deployment.Simulation;

/// <summary>A role an identity holds: on a scope (<c>storage</c>, <c>blobContainer</c>, <c>keyVaultSecret</c>, ...), on one named item of it where the scope has items.</summary>
public sealed record PlannedRole(string Scope, string Role, string Resource);

/// <summary>A workload identity as the plan declares it, and the roles it holds.</summary>
public sealed record PlannedIdentity(string Name, string Namespace, string ServiceAccount, string ClientIdOutput, IReadOnlyList<PlannedRole> Roles)
{
    public string Subject => $"system:serviceaccount:{Namespace}:{ServiceAccount}";
}

/// <summary>
/// For every workload identity: the Bicep output that carries its client id, the federated credential Bicep gives it
/// (issuer: the cluster; subject: its service account), the service account and pods in the manifests that use it,
/// what the hooks do for the identities they handle (KEDA's operator, the web's app registration), and that its
/// roles follow what its pods reach. The plan is the data Bicep reads; the rest is what reached the fakes.
/// </summary>
public static partial class IdentityWiring
{
    public static IReadOnlyList<PlannedIdentity> Load()
    {
        var plan = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "deployment-plan.json")))!;
        var roles = plan["roleAssignments"]!.AsArray();
        return [.. plan["workloadIdentities"]!.AsArray().Select(i => new PlannedIdentity(
            i!["name"]!.GetValue<string>(),
            i["namespace"]!.GetValue<string>(),
            i["serviceAccount"]!.GetValue<string>(),
            i["clientIdOutput"]!.GetValue<string>(),
            [.. roles.Where(r => r!["identity"]!.GetValue<string>() == i["name"]!.GetValue<string>()).Select(r => new PlannedRole(r!["scope"]!.GetValue<string>(), r["role"]!.GetValue<string>(), r["resource"]?.GetValue<string>() ?? string.Empty))]))];
    }

    public static IReadOnlyList<string> Check(IReadOnlyList<PlannedIdentity> identities, IReadOnlyList<string> outputNames, AzdUpRun run)
    {
        var violations = new List<string>();
        var main = File.ReadAllText(Path.Combine(Repository.Root, "infra", "main.bicep"));
        var module = File.ReadAllText(Path.Combine(Repository.Root, "infra", "modules", "workload-identity.bicep"));

        // Bicep: one identity per plan entry, federated with exactly the plan's service account.
        if (!main.Contains("serviceAccountNamespace: identity.namespace", StringComparison.Ordinal) || !main.Contains("serviceAccountName: identity.serviceAccount", StringComparison.Ordinal)
            || !FederatedSubject().IsMatch(module) || !module.Contains("issuer: oidcIssuerUrl", StringComparison.Ordinal))
        {
            violations.Add("Bicep: the workload identities are not federated with the plan's service accounts and the cluster's issuer.");
        }

        var keda = run.Postprovision.Calls.FirstOrDefault(c => c.Is("kubectl annotate serviceaccount") && c.Args.Contains("keda-operator"));
        foreach (var identity in identities)
        {
            if (!outputNames.Contains(identity.ClientIdOutput))
            {
                violations.Add($"{identity.Name}: main.bicep has no output {identity.ClientIdOutput}, so nothing can name the identity.");
                continue;
            }

            var clientId = run.Environment.GetValueOrDefault(identity.ClientIdOutput);
            var account = run.Cluster.FirstOrDefault(o => o.Kind == "ServiceAccount" && o.Name == identity.ServiceAccount && o.Namespace == identity.Namespace);
            if (account is not null)
            {
                var annotations = account.As<V1ServiceAccount>().Metadata.Annotations;
                var annotation = annotations is not null && annotations.TryGetValue("azure.workload.identity/client-id", out var value) ? value : null;
                if (annotation != clientId)
                {
                    violations.Add($"ServiceAccount {identity.ServiceAccount}: client-id annotation '{annotation}' is not {identity.ClientIdOutput} ('{clientId}').");
                }

                foreach (var (owner, template) in run.Cluster.SelectMany(o => KubernetesApiRules.PodTemplates(o).Select(t => (o, t))).Where(p => p.o.Namespace == identity.Namespace && p.t.Spec.ServiceAccountName == identity.ServiceAccount))
                {
                    if (template.Metadata?.Labels is not { } labels || !labels.TryGetValue("azure.workload.identity/use", out var use) || use != "true")
                    {
                        violations.Add($"{owner}: runs as {identity.ServiceAccount} without the azure.workload.identity/use label, so no token is mounted.");
                    }

                    var environment = template.Spec.Containers.SelectMany(c => c.Env ?? []).ToDictionary(e => e.Name, e => e.Value ?? string.Empty, StringComparer.Ordinal);
                    var mounted = MountedSecrets(violations, run, identity, owner, template, clientId);
                    var isService = template.Metadata?.Labels?.TryGetValue("app.kubernetes.io/component", out var component) == true && component == "service";
                    CheckRoles(violations, identity, owner, environment, mounted, isService);
                }
            }
            else if (identity.ServiceAccount == "keda-operator")
            {
                if (keda?.Args.Contains($"azure.workload.identity/client-id={clientId}") != true || keda.Option("--namespace") != identity.Namespace)
                {
                    violations.Add($"keda-operator in {identity.Namespace}: the postprovision hook does not annotate it with {identity.ClientIdOutput}.");
                }

                var authentication = run.Cluster.FirstOrDefault(o => o.Kind == "TriggerAuthentication");
                if (authentication is null || !Regex.IsMatch(authentication.Text, $@"identityId: '?{Regex.Escape(clientId ?? "?")}'?\n"))
                {
                    violations.Add($"TriggerAuthentication: its identityId is not {identity.ClientIdOutput}.");
                }

                if (!identity.Roles.Contains(new PlannedRole("monitorWorkspace", "Monitoring Data Reader", string.Empty)))
                {
                    violations.Add("keda: no Monitoring Data Reader on the Prometheus workspace, so its queries are refused.");
                }
            }
            else
            {
                violations.Add($"{identity.Name}: no ServiceAccount {identity.Namespace}/{identity.ServiceAccount} reaches the cluster.");
            }
        }

        // The web's app registration trusts the same service account the web's pods run as: the web is what the
        // public host's root routes to (other workloads may take path prefixes of it, as the API takes /v1).
        var webRoute = run.Cluster.FirstOrDefault(o => o.Kind == "HTTPRoute" && o.Text.Contains("value: /\n", StringComparison.Ordinal));
        var web = webRoute is null ? null : run.Cluster.FirstOrDefault(o => o.Kind == "Deployment" && o.Name == webRoute.Name)?.As<V1Deployment>();
        var webApp = run.Azure["tenants"]?.AsObject().SelectMany(t => t.Value?["apps"]?.AsObject() ?? []).Select(a => a.Value!)
            .FirstOrDefault(a => a["appId"]?.GetValue<string>() == run.Environment.GetValueOrDefault("ENTRA_WEB_CLIENT_ID"));
        var credentials = webApp?["federatedIdentityCredentials"]?.AsArray().Select(c => c!).ToList() ?? [];
        var webSubject = web is null ? null : $"system:serviceaccount:{web.Metadata.NamespaceProperty}:{web.Spec.Template.Spec.ServiceAccountName}";
        if (!credentials.Any(c => c["subject"]?.GetValue<string>() == webSubject && c["issuer"]?.GetValue<string>() == run.Environment.GetValueOrDefault("AZURE_AKS_OIDC_ISSUER_URL")))
        {
            violations.Add($"The web's app registration has no federated credential for {webSubject} from the cluster's issuer.");
        }

        return violations;
    }

    /// <summary>
    /// Least privilege both ways: every Azure resource a pod's configuration names needs its role on exactly that
    /// item (a blob container, a secret, a key), and every role the identity holds must be one of those. Telemetry
    /// (Monitoring Metrics Publisher on Application Insights) is every service's.
    /// </summary>
    private static void CheckRoles(List<string> violations, PlannedIdentity identity, ClusterObject owner, IReadOnlyDictionary<string, string> environment, IEnumerable<string> mountedSecrets, bool isService)
    {
        var needed = new HashSet<PlannedRole>();
        if (isService)
        {
            needed.Add(new("applicationInsights", "Monitoring Metrics Publisher", string.Empty));
        }

        foreach (var secret in mountedSecrets)
        {
            needed.Add(new PlannedRole("keyVaultSecret", "Key Vault Secrets User", secret));
        }

        if (environment.TryGetValue("Audit__ContainerUri", out var audit))
        {
            needed.Add(new PlannedRole("blobContainer", "Storage Blob Data Contributor", new Uri(audit).Segments[1].TrimEnd('/')));
        }

        if (environment.TryGetValue("TokenCache__ContainerUri", out var tokenCache))
        {
            needed.Add(new PlannedRole("blobContainer", "Storage Blob Data Contributor", new Uri(tokenCache).Segments[1].TrimEnd('/')));
        }
        if (environment.ContainsKey("ConnectionStrings__tables"))
        {
            needed.Add(new PlannedRole("storage", "Storage Table Data Contributor", string.Empty));
        }

        foreach (var (name, value) in environment)
        {
            if (name.StartsWith("Aspire__Azure__Security__KeyVault__", StringComparison.Ordinal) && name.Contains("__SecretNames__", StringComparison.Ordinal))
            {
                needed.Add(new PlannedRole("keyVaultSecret", "Key Vault Secrets User", value));
            }
        }

        if (environment.TryGetValue("Backups__ContainerName", out var backups))
        {
            needed.Add(new PlannedRole("blobContainer", "Storage Blob Data Contributor", backups));
        }

        if (environment.TryGetValue("DataProtection__BlobUri", out var keyRing))
        {
            needed.Add(new PlannedRole("blobContainer", "Storage Blob Data Contributor", new Uri(keyRing).Segments[1].TrimEnd('/')));
        }

        if (environment.TryGetValue("DataProtection__KeyVaultKeyUri", out var key))
        {
            needed.Add(new PlannedRole("keyVaultKey", "Key Vault Crypto User", key.TrimEnd('/').Split('/')[^1]));
        }

        if (environment.ContainsKey("ConnectionStrings__secrets") && !needed.Any(r => r.Scope == "keyVaultSecret"))
        {
            violations.Add($"{owner}: reaches the vault but names no secret to read (Aspire__Azure__Security__KeyVault__secrets__SecretNames__*), so it would need a role on the whole vault.");
        }

        foreach (var missing in needed.Except(identity.Roles))
        {
            violations.Add($"{owner}: its configuration reaches {missing.Scope} {missing.Resource} but {identity.Name} has no {missing.Role} there.");
        }

        foreach (var extra in identity.Roles.Except(needed))
        {
            violations.Add($"{identity.Name}: holds {extra.Role} on {extra.Scope} {extra.Resource}, which no configuration of {owner} reaches (least privilege).");
        }
    }

    /// <summary>
    /// The vault secrets a pod mounts through the Secrets Store CSI driver (its SecretProviderClass, in the pod's
    /// namespace). The Azure provider reads them as the identity whose client id the class names, in the class's vault
    /// and tenant (secrets-store-csi-driver-provider-azure, "Workload Identity" access mode): that must be the pod's own
    /// identity, the deployment's vault and tenant, and each object a secret the vault holds; else the mount fails and
    /// the pod never starts (ContainerCreating, "failed to mount secrets store objects").
    /// </summary>
    private static List<string> MountedSecrets(List<string> violations, AzdUpRun run, PlannedIdentity identity, ClusterObject owner, V1PodTemplateSpec template, string? clientId)
    {
        var secrets = new List<string>();
        foreach (var volume in (template.Spec.Volumes ?? []).Where(v => v.Csi is not null))
        {
            if (volume.Csi.Driver != "secrets-store.csi.k8s.io" || volume.Csi.VolumeAttributes?.TryGetValue("secretProviderClass", out var className) != true)
            {
                violations.Add($"{owner}: CSI volume {volume.Name} is not a Secrets Store volume with a secretProviderClass.");
                continue;
            }

            var providerClass = run.Cluster.FirstOrDefault(o => o.Kind == "SecretProviderClass" && o.Name == className && o.Namespace == owner.Namespace);
            if (providerClass is null)
            {
                violations.Add($"{owner}: mounts SecretProviderClass {className}, which is not in {owner.Namespace}.");
                continue;
            }

            var parameters = providerClass.Json()["spec"]?["parameters"];
            string? Parameter(string name) => parameters?[name]?.GetValue<string>();
            if (Parameter("clientID") != clientId)
            {
                violations.Add($"{providerClass}: its clientID '{Parameter("clientID")}' is not the identity of the pods that mount it ({identity.ClientIdOutput} '{clientId}').");
            }

            if (Parameter("keyvaultName") != run.Environment.GetValueOrDefault("AZURE_KEY_VAULT_NAME") || Parameter("tenantId") != run.Environment.GetValueOrDefault("AZURE_TENANT_ID"))
            {
                violations.Add($"{providerClass}: its vault '{Parameter("keyvaultName")}' or tenant '{Parameter("tenantId")}' is not the deployment's.");
            }

            var vaultSecrets = run.Azure["subscriptions"]?.AsObject().SelectMany(s => s.Value?["resourceGroups"]?.AsObject() ?? [])
                .SelectMany(g => g.Value?["vaults"]?.AsObject() ?? []).SelectMany(v => v.Value?["secrets"]?.AsObject() ?? []).Select(p => p.Key).ToHashSet(StringComparer.Ordinal) ?? [];
            foreach (Match match in ObjectName().Matches(Parameter("objects") ?? string.Empty))
            {
                var secret = match.Groups[1].Value;
                if (!vaultSecrets.Contains(secret))
                {
                    violations.Add($"{providerClass}: names secret {secret}, which the vault does not hold.");
                }

                secrets.Add(secret);
            }
        }

        return secrets;
    }

    [GeneratedRegex(@"objectName: (\S+)")]
    private static partial Regex ObjectName();

    [GeneratedRegex(@"subject: 'system:serviceaccount:\$\{serviceAccountNamespace\}:\$\{serviceAccountName\}'")]
    private static partial Regex FederatedSubject();
}
