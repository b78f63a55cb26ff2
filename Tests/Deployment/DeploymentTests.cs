using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Tests.Deployment;

/// <summary>What the generated deployment promises, read from the files the AppHost model produces.</summary>
public sealed class DeploymentTests(GeneratedDeployment generated) : IClassFixture<GeneratedDeployment>
{
    private T Object<T>(string file, string kind, string name) where T : class =>
        generated.Files[file].Split("\n---\n")
            .Where(d => d.Split('\n').Contains($"kind: {kind}"))
            .Select(d => KubernetesYaml.Deserialize<T>(d))
            .Single(o => ((IMetadata<V1ObjectMeta>)o).Metadata.Name == name);

    private YamlMappingNode Custom(string file, string kind, string name) =>
        generated.Files[file].Split("\n---\n")
            .Select(d => { var stream = new YamlStream(); stream.Load(new StringReader(d)); return (YamlMappingNode)stream.Documents[0].RootNode; })
            .Single(n => n["kind"].ToString() == kind && ((YamlMappingNode)n["metadata"])["name"].ToString() == name);

    [Fact]
    public void GpuPool_TaintedLabelledAndBounded_T4ByDefault_A100Allowed()
    {
        var bicep = generated.Files["infra/main.bicep"];

        Assert.Contains("param gpuVmSize string = 'Standard_NC4as_T4_v3'", bicep);
        Assert.Contains("'Standard_NC24ads_A100_v4'", bicep);
        Assert.DoesNotContain("Standard_NC6s_v3'", bicep.Replace("Standard_NC6s_v3 was retired", string.Empty, StringComparison.Ordinal));
        Assert.Contains("'sku=gpu:NoSchedule'", bicep);
        Assert.Contains("workload: 'llm'", bicep);
        Assert.Contains("param gpuMinCount int = 1", bicep);
        Assert.Contains("param gpuMaxCount int = 3", bicep);
    }

    [Fact]
    public void Ollama_RunsOnTheGpuPool_WithAGpuAndTolerations()
    {
        var ollama = Object<V1Deployment>("infra/k8s/cluster/ollama.yaml", "Deployment", "ollama").Spec.Template.Spec;
        var container = ollama.Containers.Single();

        Assert.Equal("1", container.Resources.Limits["nvidia.com/gpu"].ToString());
        Assert.Equal("gpu", ollama.NodeSelector["kubernetes.azure.com/agentpool"]);
        Assert.Contains(ollama.Tolerations, t => t.Key == "nvidia.com/gpu" && t.OperatorProperty == "Exists");
        Assert.Contains(ollama.Tolerations, t => t is { Key: "sku", Value: "gpu", Effect: "NoSchedule" });
        Assert.Equal("docker.io/ollama/ollama:0.17.1", container.Image);
    }

    [Fact]
    public void Ollama_KeepsTheModelLoaded_PreloadsIt_AndAllowsForTheLoad()
    {
        var deployment = Object<V1Deployment>("infra/k8s/cluster/ollama.yaml", "Deployment", "ollama");
        var pod = deployment.Spec.Template.Spec;
        var container = pod.Containers.Single();
        var environment = container.Env.ToDictionary(e => e.Name, e => e.Value);

        Assert.Equal("-1", environment["OLLAMA_KEEP_ALIVE"]);
        Assert.Equal("4", environment["OLLAMA_NUM_PARALLEL"]);
        Assert.Null(container.Lifecycle);
        var preload = Assert.Single(pod.InitContainers);
        Assert.Contains("ollama-models/llama3-1-8b-instruct-q4-k-m:0.17.1", preload.Image);
        Assert.True(container.StartupProbe.PeriodSeconds * container.StartupProbe.FailureThreshold >= 300, "The startup probe must allow minutes for the model load.");
        // One volume per replica: no ReadWriteOnce claim shared by replicas.
        Assert.All(pod.Volumes, v => Assert.Null(v.PersistentVolumeClaim));
        Assert.Contains(pod.Volumes, v => v.Name == "models" && v.EmptyDir is not null);
    }

    [Fact]
    public void Ollama_ScaledByKeda_OnTheApisQueueGauge_ThroughPrometheus()
    {
        var scaled = Custom("infra/k8s/cluster/ollama.yaml", "ScaledObject", "ollama");
        var trigger = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)scaled["spec"])["triggers"]).Children[0];
        var metadata = (YamlMappingNode)trigger["metadata"];

        Assert.Equal("prometheus", trigger["type"].ToString());
        Assert.Contains("llm_requests_in_flight", metadata["query"].ToString());
        Assert.Contains("llm_requests_queued", metadata["query"].ToString());
        Assert.Equal("{{.Env.AZURE_PROMETHEUS_QUERY_ENDPOINT}}", metadata["serverAddress"].ToString());
        Assert.Equal("azure-managed-prometheus", ((YamlMappingNode)trigger["authenticationRef"])["name"].ToString());
        var authentication = Custom("infra/k8s/cluster/keda-authentication.yaml", "TriggerAuthentication", "azure-managed-prometheus");
        Assert.Equal("azure-workload", ((YamlMappingNode)((YamlMappingNode)authentication["spec"])["podIdentity"])["provider"].ToString());
    }

    [Theory]
    [InlineData("api")]
    [InlineData("web")]
    public void Services_HaveProbesLimitsAndRunLocked(string name)
    {
        var deployment = Object<V1Deployment>($"infra/k8s/{name}/{name}.yaml", "Deployment", name);
        var pod = deployment.Spec.Template.Spec;
        var container = pod.Containers.Single();

        Assert.Equal("/health", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/alive", container.LivenessProbe.HttpGet.Path);
        Assert.NotNull(container.StartupProbe);
        Assert.True(container.Resources.Requests.ContainsKey("cpu") && container.Resources.Limits.ContainsKey("memory"));
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.False(pod.AutomountServiceAccountToken);
        Assert.Equal("true", pod.Containers.Count > 0 ? deployment.Spec.Template.Metadata.Labels["azure.workload.identity/use"] : null);
        Assert.Equal($"{{{{.Env.SERVICE_{name.ToUpperInvariant()}_IMAGE_NAME}}}}", container.Image);
        Assert.NotNull(Object<V1PodDisruptionBudget>($"infra/k8s/{name}/{name}.yaml", "PodDisruptionBudget", name).Spec.MinAvailable);
    }

    [Fact]
    public void Api_ScalesOnCpuAndOnLlmRequestsInFlight()
    {
        var triggers = (YamlSequenceNode)((YamlMappingNode)Custom("infra/k8s/api/api.yaml", "ScaledObject", "api")["spec"])["triggers"];
        var types = triggers.Children.Select(t => ((YamlMappingNode)t)["type"].ToString()).ToList();

        Assert.Equal(["prometheus", "cpu"], types);
        var environment = Object<V1Deployment>("infra/k8s/api/api.yaml", "Deployment", "api").Spec.Template.Spec.Containers.Single().Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal("Endpoint=http://ollama:11434;Model=llama3.1:8b-instruct-q4_K_M", environment["ConnectionStrings__chat"]);
        Assert.Equal("Endpoint=http://ollama-fallback:11434;Model=qwen2.5:0.5b-instruct-q4_K_M", environment["ConnectionStrings__chat-fallback"]);
        Assert.Equal("{{.Env.AZURE_TABLES_ENDPOINT}}", environment["ConnectionStrings__tables"]);
        Assert.Equal("{{.Env.AZURE_KEY_VAULT_ENDPOINT}}", environment["ConnectionStrings__secrets"]);
        Assert.Equal("9464", environment["Metrics__Port"]);
        Assert.Equal("https://login.microsoftonline.com/{{.Env.AZURE_TENANT_ID}}/v2.0", environment["Auth__Jwt__Authority"]);
    }

    [Fact]
    public void Api_BacksUpTheTablesNightly_WithItsOwnIdentityAndLocks()
    {
        var job = Object<V1CronJob>("infra/k8s/api/api.yaml", "CronJob", "api-backup");
        var pod = job.Spec.JobTemplate.Spec.Template.Spec;
        var container = pod.Containers.Single();

        Assert.Equal("17 2 * * *", job.Spec.Schedule);
        Assert.Equal("Forbid", job.Spec.ConcurrencyPolicy);
        Assert.Equal(["backup"], container.Args);
        Assert.Equal("api", pod.ServiceAccountName);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Contains(container.Env, e => e.Name == "Backups__BlobServiceUri" && e.Value == "https://{{.Env.AZURE_STORAGE_ACCOUNT_NAME}}.blob.core.windows.net/");
        Assert.Contains("module apiStorageBlobDataContributorRole", generated.Files["infra/main.bicep"]);
    }

    [Fact]
    public void Web_HasAnHpa_AndATlsIngressWithSessionAffinity()
    {
        var hpa = Object<V2HorizontalPodAutoscaler>("infra/k8s/web/web.yaml", "HorizontalPodAutoscaler", "web");
        var ingress = Object<V1Ingress>("infra/k8s/web/web.yaml", "Ingress", "web");

        Assert.Equal(70, hpa.Spec.Metrics.Single().Resource.Target.AverageUtilization);
        Assert.NotEmpty(ingress.Spec.Tls);
        Assert.StartsWith("{{.Env.", ingress.Metadata.Annotations["kubernetes.azure.com/tls-cert-keyvault-uri"], StringComparison.Ordinal);
        Assert.Equal("cookie", ingress.Metadata.Annotations["nginx.ingress.kubernetes.io/affinity"]);
        var environment = Object<V1Deployment>("infra/k8s/web/web.yaml", "Deployment", "web").Spec.Template.Spec.Containers.Single().Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal("http://api:8080", environment["services__api__http__0"]);
        Assert.Equal("SignedAssertionFromManagedIdentity", environment["AzureAd__ClientCredentials__0__SourceType"]);
        Assert.DoesNotContain(environment.Keys, k => k.Contains("metrics", StringComparison.OrdinalIgnoreCase) || k.StartsWith("ConnectionStrings__", StringComparison.Ordinal));
    }

    [Fact]
    public void NetworkPolicies_DenyByDefault_OllamaReachableOnlyFromTheApi_WithoutEgress()
    {
        const string file = "infra/k8s/cluster/network-policies.yaml";
        var deny = Object<V1NetworkPolicy>(file, "NetworkPolicy", "default-deny");
        var ollamaIngress = Object<V1NetworkPolicy>(file, "NetworkPolicy", "ollama-ingress");
        var webIngress = Object<V1NetworkPolicy>(file, "NetworkPolicy", "web-ingress");
        var all = generated.Files[file];

        Assert.Empty(deny.Spec.PodSelector.MatchLabels ?? new Dictionary<string, string>());
        Assert.Equal(["Ingress", "Egress"], deny.Spec.PolicyTypes);
        var from = Assert.Single(Assert.Single(ollamaIngress.Spec.Ingress).FromProperty);
        Assert.Equal("api", from.PodSelector.MatchLabels["app.kubernetes.io/name"]);
        Assert.Equal("11434", Assert.Single(ollamaIngress.Spec.Ingress.Single().Ports).Port.Value);
        Assert.DoesNotContain("name: ollama-egress", all);
        Assert.Contains(webIngress.Spec.Ingress, rule => rule.FromProperty.Any(p => p.NamespaceSelector?.MatchLabels["kubernetes.io/metadata.name"] == "app-routing-system"));
        Assert.Contains("name: web-egress", all);
    }

    [Fact]
    public void EveryServiceAccount_HasNoApiToken()
    {
        var accounts = generated.Files.Where(f => f.Key.StartsWith("infra/k8s/", StringComparison.Ordinal))
            .SelectMany(f => f.Value.Split("\n---\n").Where(d => d.Split('\n').Contains("kind: ServiceAccount")))
            .Select(d => KubernetesYaml.Deserialize<V1ServiceAccount>(d)).ToList();

        Assert.Equal(4, accounts.Count);
        Assert.All(accounts, a => Assert.False(a.AutomountServiceAccountToken));
    }

    [Fact]
    public void Fallback_IsASmallModelOnTheCpuPool()
    {
        var pod = Object<V1Deployment>("infra/k8s/cluster/ollama-fallback.yaml", "Deployment", "ollama-fallback").Spec.Template.Spec;

        Assert.Equal("cpu", pod.NodeSelector["kubernetes.azure.com/agentpool"]);
        Assert.DoesNotContain("nvidia.com/gpu", pod.Containers.Single().Resources.Limits.Keys);
        Assert.Contains("qwen2-5-0-5b", pod.InitContainers.Single().Image);
    }

    [Fact]
    public void Roles_AreLeastPrivilege_FromTheReferences()
    {
        var bicep = generated.Files["infra/main.bicep"];

        Assert.Contains("module apiStorageTableDataContributorRole", bicep);
        Assert.Contains("module apiKeyVaultSecretsUserRole", bicep);
        Assert.Contains("module apiMonitoringMetricsPublisherRole", bicep);
        Assert.Contains("module webMonitoringMetricsPublisherRole", bicep);
        Assert.Contains("module webStorageBlobDataContributorRole", bicep);
        Assert.DoesNotContain("module webStorageTableDataContributorRole", bicep);
        Assert.DoesNotContain("module webKeyVaultSecretsUserRole", bicep);
        Assert.Contains("serviceAccountName: 'keda-operator'", bicep);
    }

    [Fact]
    public void Images_ArePinned_NeverLatest()
    {
        var images = generated.Files.Where(f => f.Key.StartsWith("infra/", StringComparison.Ordinal))
            .SelectMany(f => f.Value.Split('\n').Where(l => l.TrimStart().StartsWith("image:", StringComparison.Ordinal) || l.Contains("FROM ", StringComparison.Ordinal)))
            .ToList();

        Assert.NotEmpty(images);
        Assert.DoesNotContain(images, l => l.Contains(":latest", StringComparison.Ordinal));
    }

    [Fact]
    public void AzureYaml_DeploysTheServicesToAks_WithHooksInBothShells()
    {
        var azure = generated.Files["azure.yaml"];

        Assert.Contains("  api:\n    project: ./Api\n    language: dotnet\n    host: aks", azure);
        Assert.Contains("  web:\n    project: ./Web\n    language: dotnet\n    host: aks", azure);
        Assert.Contains("deploymentPath: ../infra/k8s/api", azure);
        Assert.Contains("run: infra/hooks/postprovision.sh", azure);
        Assert.Contains("run: infra/hooks/postprovision.ps1", azure);
        Assert.Contains("kubelogin convert-kubeconfig", generated.Files["infra/hooks/postprovision.sh"]);
        Assert.Contains("kubelogin convert-kubeconfig", generated.Files["infra/hooks/postprovision.ps1"]);
    }
}
