using System.Text.Json.Nodes;
using k8s.Models;
using Tests.Deployment.Simulation;

namespace Tests.Deployment;

/// <summary>
/// <c>azd up</c> as the tools would play it: the hooks run for real under sh and PowerShell against recording fakes
/// of az, azd, kubectl and kubelogin; provision passes main.parameters.json and returns the compiled template's
/// outputs; deploy follows azd's own rules for AKS services. The tests read what reached the fake Azure and cluster.
/// </summary>
[Collection(AzdUpCollection.Name)]
public sealed class AzdUpTests(AzdUpSimulation up)
{
    public static TheoryData<HookShell> Shells() => [HookShell.Sh, HookShell.Pwsh];

    [Theory]
    [MemberData(nameof(Shells))]
    public void Hooks_Succeed_CallingOnlyWhatTheFakesModel(HookShell shell)
    {
        var run = up.In(shell);

        Assert.True(run.Preprovision.ExitCode == 0, run.Preprovision.ToString());
        Assert.True(run.Postprovision.ExitCode == 0, run.Postprovision.ToString());
        Assert.All(run.Preprovision.Calls.Concat(run.Postprovision.Calls), c => Assert.NotEqual(2, c.ExitCode));
    }

    [Fact]
    public void Hooks_MakeTheSameCalls_InBothShells()
    {
        Assert.Equal(up.Sh.Preprovision.Calls.Select(c => c.Normalized(Random(up.Sh))), up.Pwsh.Preprovision.Calls.Select(c => c.Normalized(Random(up.Pwsh))));
        Assert.Equal(up.Sh.Postprovision.Calls.Select(c => c.Normalized(Random(up.Sh))), up.Pwsh.Postprovision.Calls.Select(c => c.Normalized(Random(up.Pwsh))));
        Assert.Equal(up.Sh.SecondPostprovision.Calls.Select(c => c.Normalized(Random(up.Sh))), up.Pwsh.SecondPostprovision.Calls.Select(c => c.Normalized(Random(up.Pwsh))));

        // What each shell generated at random: the secret, and the API scope's id.
        static Dictionary<string, string> Random(AzdUpRun run) => new()
        {
            [run.Environment["SAFETY_CANARY"]] = "<canary>",
            [run.Azure["apps"]![run.Environment["ENTRA_API_CLIENT_ID"]]!["api"]!["oauth2PermissionScopes"]![0]!["id"]!.GetValue<string>()] = "<scope-id>",
        };
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Hooks_PassNoJsonAsAnArgument_BecauseAzCmdStripsQuotes(HookShell shell)
    {
        var run = up.In(shell);

        Assert.Empty(HookRules.QuotedArguments(run.Preprovision.Calls.Concat(run.Postprovision.Calls)));
        Assert.Contains(run.Postprovision.Calls, c => c.Is("az ad app federated-credential create") && c.Files.Count == 1);
    }

    [Fact]
    public void HookRules_QuotedArguments_FindJsonOnTheCommandLine()
    {
        var call = new HookCall("az", ["ad", "app", "federated-credential", "create", "--parameters", "{\"name\":\"x\"}"], new Dictionary<int, string>(), 0);

        Assert.Single(HookRules.QuotedArguments([call]));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Preprovision_GeneratesTheSecretsOnce_SoProvisionHasEveryParameter(HookShell shell)
    {
        var run = up.In(shell);

        Assert.Empty(run.MissingParameters);
        var canary = run.Environment["SAFETY_CANARY"];
        Assert.Matches("^[0-9a-f]{48}$", canary);
        Assert.Equal(canary, run.EnvironmentAfterSecondRun["SAFETY_CANARY"]);
    }

    [Fact]
    public void AzdProvision_MissingParameters_NamesAnUnsetValue()
    {
        var missing = AzdProvision.MissingParameters("""{"a":{"value":"${SAFETY_CANARY}"},"b":{"value":"${X=default}"}}""", new Dictionary<string, string>());

        Assert.Equal(["SAFETY_CANARY"], missing);
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Preprovision_PreAuthorizesTheWebForTheApiScope(HookShell shell)
    {
        var run = up.In(shell);
        var api = run.Azure["apps"]![run.Environment["ENTRA_API_CLIENT_ID"]]!;
        var scope = api["api"]!["oauth2PermissionScopes"]!.AsArray().Single(s => s!["value"]!.GetValue<string>() == "chat")!;
        var preAuthorized = api["api"]!["preAuthorizedApplications"]!.AsArray().Single()!;

        Assert.Equal($"api://{run.Environment["ENTRA_API_CLIENT_ID"]}", api["identifierUris"]!.GetValue<string>());
        Assert.Equal(run.Environment["ENTRA_WEB_CLIENT_ID"], preAuthorized["appId"]!.GetValue<string>());
        Assert.Equal([scope["id"]!.GetValue<string>()], preAuthorized["delegatedPermissionIds"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.Equal(2, api["api"]!["requestedAccessTokenVersion"]!.GetValue<int>());
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Postprovision_GetsCredentialsBeforeAnyKubectl_AndAppliesTheNamespaceFirst(HookShell shell)
    {
        var commands = up.In(shell).Postprovision.Calls.Select(c => c.Is("az aks get-credentials") ? "az aks get-credentials" : c.Command).ToList();
        var firstKubectl = commands.FindIndex(c => c.StartsWith("kubectl", StringComparison.Ordinal));
        var applies = up.In(shell).Postprovision.Calls.Where(c => c.Is("kubectl apply")).ToList();

        Assert.True(commands.IndexOf("az aks get-credentials") < commands.IndexOf("kubelogin convert-kubeconfig"));
        Assert.True(commands.IndexOf("kubelogin convert-kubeconfig") < firstKubectl);
        Assert.Equal(2, applies.Count);
        Assert.Equal(["Namespace"], ClusterObject.Parse("first", applies[0].Files.Values.Single()).Select(o => o.Kind));
        Assert.All(applies, a => Assert.Contains("--server-side", a.Args));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Postprovision_ActivatesKedasWorkloadIdentity(HookShell shell)
    {
        var run = up.In(shell);
        var calls = run.Postprovision.Calls.Where(c => c.Tool == "kubectl" && c.Args.Contains("keda-operator")).Select(c => string.Join(' ', c.Args)).ToList();
        var lastApply = run.Postprovision.Calls.ToList().FindLastIndex(c => c.Is("kubectl apply"));
        var annotate = run.Postprovision.Calls.ToList().FindIndex(c => c.Is("kubectl annotate"));

        Assert.Equal(
            [
                $"annotate serviceaccount keda-operator --namespace kube-system azure.workload.identity/client-id={run.Environment["AZURE_KEDA_IDENTITY_CLIENT_ID"]} --overwrite",
                "rollout restart deployment keda-operator --namespace kube-system",
                "rollout status deployment keda-operator --namespace kube-system --timeout=300s",
            ],
            calls);
        Assert.True(lastApply < annotate, "KEDA's identity is set after its TriggerAuthentication is applied.");
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Postprovision_ImportsThirdPartyImages_SoEveryPodPullsFromTheRegistry(HookShell shell)
    {
        var run = up.In(shell);
        var registry = run.Environment["AZURE_CONTAINER_REGISTRY_ENDPOINT"];
        var images = run.Cluster.SelectMany(KubernetesApiRules.PodTemplates).SelectMany(t => (t.Spec.InitContainers ?? []).Concat(t.Spec.Containers)).Select(c => c.Image).ToList();
        var imported = run.Postprovision.Calls.Where(c => c.Is("az acr import")).Select(c => c.Option("--image")).ToHashSet();
        var built = run.Postprovision.Calls.Where(c => c.Is("az acr build")).ToList();

        Assert.NotEmpty(images);
        Assert.All(images, image => Assert.StartsWith(registry + "/", image, StringComparison.Ordinal));
        Assert.All(images.Where(i => !i.Contains("/ollama-models/", StringComparison.Ordinal) && !i.Contains("/llmchat/", StringComparison.Ordinal)), i => Assert.Contains(i[(registry.Length + 1)..], imported));
        Assert.Equal(2, built.Count);
        Assert.All(built, b => Assert.All(b.Args.Where(a => a.StartsWith("OLLAMA_IMAGE=", StringComparison.Ordinal) || a.StartsWith("BASE_IMAGE=", StringComparison.Ordinal)), a => Assert.Contains("=" + registry + "/", a, StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Hooks_RunAgain_CreateNothingNew(HookShell shell)
    {
        var run = up.In(shell);
        var second = run.SecondPreprovision.Calls.Concat(run.SecondPostprovision.Calls).ToList();
        string[] creating = ["az ad app create", "az ad sp create", "az ad app federated-credential create", "az ad app federated-credential update", "az keyvault certificate create", "az acr import", "az acr build", "azd env set"];

        Assert.Equal(0, run.SecondPreprovision.ExitCode);
        Assert.Equal(0, run.SecondPostprovision.ExitCode);
        Assert.All(creating.Where(c => !c.EndsWith("update", StringComparison.Ordinal)), command => Assert.Contains(run.Preprovision.Calls.Concat(run.Postprovision.Calls), c => c.Is(command)));
        Assert.All(creating, command => Assert.DoesNotContain(second, c => c.Is(command)));
        Assert.Contains(second, c => c.Is("kubectl apply"));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void AzdDeploy_TemplatesEveryManifest_AndSendsNoLiteralTemplate(HookShell shell)
    {
        var run = up.In(shell);

        Assert.Equal(["infra/k8s/api/api.tmpl.yaml", "infra/k8s/web/web.tmpl.yaml"], run.Deployed.Select(d => d.File));
        Assert.All(run.Deployed, d => Assert.True(d.Templated, d.File));
        Assert.DoesNotContain(KubernetesApiRules.Check(run.Cluster), v => v.StartsWith("rendered", StringComparison.Ordinal));
    }

    [Fact]
    public void AzdDeploy_AFileNotNamedTmpl_ReachesTheClusterWithItsTemplateText()
    {
        using var folder = new TemporaryCopy("infra/k8s/api", rename: ("api.tmpl.yaml", "api.yaml"));
        var project = new AzdProject("llmchat", [new AzdAksService("api", "./Api", folder.Path, "llmchat", "api", "api", null, false, false)]);

        var applied = AzdDeploy.Simulate(project, up.Sh.Environment);
        var violations = KubernetesApiRules.Check([.. applied.SelectMany(a => ClusterObject.Parse(a.File, a.Text))]);

        Assert.False(Assert.Single(applied).Templated);
        Assert.Contains(violations, v => v.StartsWith("rendered:", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("image-reference:", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void AzdDeploy_FindsEachServicesOwnDeploymentServiceAndIngress(HookShell shell)
    {
        var run = up.In(shell);

        foreach (var service in AzdProject.Load(Repository.Root).Services)
        {
            // azd picks the first object, in the API server's name order, whose name contains the configured name.
            Assert.Equal(service.DeploymentName, AzdLookup.First(run.Cluster, "Deployment", service.Namespace, service.DeploymentName)?.Name);
            Assert.Equal(service.ServiceName, AzdLookup.First(run.Cluster, "Service", service.Namespace, service.ServiceName)?.Name);
            if (service.IngressName is not null)
            {
                // azd looks the ingress up by the service name (k8s.service.name), not by k8s.ingress.name.
                Assert.Equal(service.IngressName, AzdLookup.First(run.Cluster, "Ingress", service.Namespace, service.ServiceName)?.Name);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void Cluster_PassesTheApiServersRules(HookShell shell)
    {
        var violations = KubernetesApiRules.Check(up.In(shell).Cluster);

        Assert.True(violations.Count == 0, string.Join('\n', violations));
    }

    [Fact]
    public void Web_SignsInWithItsProjectedToken_FederatedForItsServiceAccount()
    {
        var run = up.Sh;
        var web = run.Cluster.Single(o => o is { Kind: "Deployment", Name: "web" }).As<V1Deployment>();
        var environment = web.Spec.Template.Spec.Containers.Single().Env.ToDictionary(e => e.Name, e => e.Value);
        var credential = run.Azure["credentials"]!.AsObject().Single(c => c.Key.StartsWith(run.Environment["ENTRA_WEB_CLIENT_ID"] + "/", StringComparison.Ordinal)).Value!;

        Assert.Equal("SignedAssertionFilePath", environment["AzureAd__ClientCredentials__0__SourceType"]);
        Assert.DoesNotContain(environment.Keys, k => k.Contains("ManagedIdentity", StringComparison.Ordinal));
        Assert.Equal("web", web.Spec.Template.Spec.ServiceAccountName);
        Assert.Equal("true", web.Spec.Template.Metadata.Labels["azure.workload.identity/use"]);
        Assert.Equal(run.Environment["AZURE_AKS_OIDC_ISSUER_URL"], credential["issuer"]!.GetValue<string>());
        Assert.Equal("system:serviceaccount:llmchat:web", credential["subject"]!.GetValue<string>());
        Assert.Equal(["api://AzureADTokenExchange"], credential["audiences"]!.AsArray().Select(a => a!.GetValue<string>()));
    }

    [Fact]
    public void Identities_AgreeAcrossBicepHooksAndManifests()
    {
        var violations = IdentityWiring.Check(IdentityWiring.Load(), up.OutputNames, up.Sh);

        Assert.True(violations.Count == 0, string.Join('\n', violations));
    }

    [Fact]
    public void IdentityWiring_FindsAServiceAccountNamingAnotherIdentity()
    {
        var wrongAnnotation = up.Sh.Cluster.Select(o => o is { Kind: "ServiceAccount", Name: "api" }
            ? o with { Text = o.Text.Replace(up.Sh.Environment["AZURE_API_IDENTITY_CLIENT_ID"], up.Sh.Environment["AZURE_WEB_IDENTITY_CLIENT_ID"], StringComparison.Ordinal) }
            : o).ToList();

        var violations = IdentityWiring.Check(IdentityWiring.Load(), up.OutputNames, up.Sh with { Cluster = wrongAnnotation });

        Assert.Contains(violations, v => v.Contains("ServiceAccount api", StringComparison.Ordinal));
    }

    [Fact]
    public void IdentityWiring_FindsAnIdentityWithoutItsOutput()
    {
        var violations = IdentityWiring.Check(IdentityWiring.Load(), [.. up.OutputNames.Where(n => n != "AZURE_KEDA_IDENTITY_CLIENT_ID")], up.Sh);

        Assert.Contains(violations, v => v.Contains("AZURE_KEDA_IDENTITY_CLIENT_ID", StringComparison.Ordinal));
    }
}
