using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Tests.Deployment.Simulation;

/// <summary>A workload identity as the plan declares it, and the roles it holds.</summary>
public sealed record PlannedIdentity(string Name, string Namespace, string ServiceAccount, string ClientIdOutput, IReadOnlyList<(string Scope, string Role)> Roles)
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
            [.. roles.Where(r => r!["identity"]!.GetValue<string>() == i["name"]!.GetValue<string>()).Select(r => (r!["scope"]!.GetValue<string>(), r["role"]!.GetValue<string>()))]))];
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

                    var environment = template.Spec.Containers.SelectMany(c => c.Env ?? []).Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
                    CheckRole(violations, identity, owner, environment, "ConnectionStrings__tables", ("storage", "Storage Table Data Contributor"));
                    CheckRole(violations, identity, owner, environment, "ConnectionStrings__secrets", ("keyVault", "Key Vault Secrets User"));
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

                if (!identity.Roles.Contains(("monitorWorkspace", "Monitoring Data Reader")))
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
        var web = run.Cluster.FirstOrDefault(o => o.Kind == "Ingress" && (o.As<V1Ingress>().Spec.Rules ?? []).SelectMany(r => r.Http?.Paths ?? []).Any(p => p.Path == "/")) is { } ingress
            ? run.Cluster.FirstOrDefault(o => o.Kind == "Deployment" && o.Name == ingress.Name)?.As<V1Deployment>()
            : null;
        var credentials = run.Azure["credentials"]?.AsObject().Where(c => c.Key.StartsWith(run.Environment.GetValueOrDefault("ENTRA_WEB_CLIENT_ID", "?") + "/", StringComparison.Ordinal)).Select(c => c.Value!).ToList() ?? [];
        var webSubject = web is null ? null : $"system:serviceaccount:{web.Metadata.NamespaceProperty}:{web.Spec.Template.Spec.ServiceAccountName}";
        if (!credentials.Any(c => c["subject"]?.GetValue<string>() == webSubject && c["issuer"]?.GetValue<string>() == run.Environment.GetValueOrDefault("AZURE_AKS_OIDC_ISSUER_URL")))
        {
            violations.Add($"The web's app registration has no federated credential for {webSubject} from the cluster's issuer.");
        }

        return violations;
    }

    private static void CheckRole(List<string> violations, PlannedIdentity identity, ClusterObject owner, HashSet<string> environment, string reference, (string Scope, string Role) role)
    {
        var reaches = environment.Contains(reference);
        var holds = identity.Roles.Contains(role);
        if (reaches != holds)
        {
            violations.Add(reaches
                ? $"{owner}: reaches {reference} but {identity.Name} has no {role.Role} on {role.Scope}."
                : $"{identity.Name}: holds {role.Role} on {role.Scope} but {owner} does not reach it (least privilege).");
        }
    }

    [GeneratedRegex(@"subject: 'system:serviceaccount:\$\{serviceAccountNamespace\}:\$\{serviceAccountName\}'")]
    private static partial Regex FederatedSubject();
}
