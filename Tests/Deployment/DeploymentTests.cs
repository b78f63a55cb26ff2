using Tests.Infrastructure;
using System.Text.Json.Nodes;
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

    private JsonNode Plan => JsonNode.Parse(generated.Files["infra/deployment-plan.json"])!;

    [Fact]
    public void GpuPool_TaintedLabelledAndBounded_T4ByDefault_A100Allowed()
    {
        var gpu = Plan["nodePools"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "gpu")!;
        var allowed = gpu["allowedVmSizes"]!.AsArray().Select(s => s!.GetValue<string>()).ToList();

        Assert.Equal("Standard_NC4as_T4_v3", gpu["vmSize"]!.GetValue<string>());
        Assert.Contains("Standard_NC24ads_A100_v4", allowed);
        Assert.DoesNotContain("Standard_NC6s_v3", allowed);
        Assert.Equal(["sku=gpu:NoSchedule"], gpu["taints"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("llm", gpu["labels"]!["workload"]!.GetValue<string>());
        Assert.Equal(1, gpu["minCount"]!.GetValue<int>());
        Assert.Equal(3, gpu["maxCount"]!.GetValue<int>());
        Assert.Equal("${AKS_GPU_VM_SIZE=Standard_NC4as_T4_v3}", JsonNode.Parse(generated.Files["infra/main.parameters.json"])!["parameters"]!["nodePoolVmSizes"]!["value"]!["gpu"]!.GetValue<string>());
    }

    /// <summary>The manifest file of a model's server: one per model of the catalogue.</summary>
    private static string ServerFile(string model) => $"infra/k8s/cluster/{ServerName(model)}.tmpl.yaml";

    private static string ServerName(string model) => AppHost.ModelHosting.ServerName(model);

    [Fact]
    public void Ollama_RunsOnTheGpuPool_WithAGpuAndTolerations()
    {
        var ollama = Object<V1Deployment>(ServerFile(Catalogue.Default), "Deployment", ServerName(Catalogue.Default)).Spec.Template.Spec;
        var container = ollama.Containers.Single();

        Assert.Equal("1", container.Resources.Limits["nvidia.com/gpu"].ToString());
        Assert.Equal("gpu", ollama.NodeSelector["kubernetes.azure.com/agentpool"]);
        Assert.Contains(ollama.Tolerations, t => t.Key == "nvidia.com/gpu" && t.OperatorProperty == "Exists");
        Assert.Contains(ollama.Tolerations, t => t is { Key: "sku", Value: "gpu", Effect: "NoSchedule" });
        Assert.Equal("{{.Env.AZURE_CONTAINER_REGISTRY_ENDPOINT}}/ollama/ollama:0.17.1", container.Image);
        var service = Object<V1Service>(ServerFile(Catalogue.Default), "Service", ServerName(Catalogue.Default));
        Assert.Equal(11434, Assert.Single(service.Spec.Ports).Port);
    }

    [Fact]
    public void Ollama_KeepsTheModelLoaded_PreloadsIt_AndAllowsForTheLoad()
    {
        var deployment = Object<V1Deployment>(ServerFile(Catalogue.Default), "Deployment", ServerName(Catalogue.Default));
        var pod = deployment.Spec.Template.Spec;
        var container = pod.Containers.Single();
        var environment = container.Env.ToDictionary(e => e.Name, e => e.Value);

        Assert.Equal("-1", environment["OLLAMA_KEEP_ALIVE"]);
        Assert.Equal("4", environment["OLLAMA_NUM_PARALLEL"]);
        // Warm-up: the model is loaded before the pod is Ready (a postStart hook ends before the container runs), so
        // neither a deploy nor a scale-out hands the first user a cold load; a failed warm-up never fails the pod.
        var warmUp = string.Join(' ', container.Lifecycle.PostStart.Exec.Command);
        Assert.Contains("ollama run llama3.1:8b-instruct-q4_K_M \"\"", warmUp);
        Assert.EndsWith("true", warmUp, StringComparison.Ordinal);
        var preload = Assert.Single(pod.InitContainers);
        Assert.Contains("ollama-models/llama3-1-8b-instruct-q4-k-m:0.17.1", preload.Image);
        Assert.True(container.StartupProbe.PeriodSeconds * container.StartupProbe.FailureThreshold >= 300, "The startup probe must allow minutes for the model load.");
        // One volume per replica: no ReadWriteOnce claim shared by replicas.
        Assert.All(pod.Volumes, v => Assert.Null(v.PersistentVolumeClaim));
        Assert.Contains(pod.Volumes, v => v.Name == "models" && v.EmptyDir is not null);
    }

    public static TheoryData<string> Models => [.. Catalogue.All];

    [Theory]
    [MemberData(nameof(Models))]
    public void EachModel_ScaledByKeda_OnItsOwnQueueGauge_ThroughPrometheus(string model)
    {
        var scaled = Custom(ServerFile(model), "ScaledObject", ServerName(model));
        var spec = (YamlMappingNode)scaled["spec"];
        var trigger = (YamlMappingNode)((YamlSequenceNode)spec["triggers"]).Children[0];
        var metadata = (YamlMappingNode)trigger["metadata"];
        var declared = Catalogue.Declaration(model);

        Assert.Equal(ServerName(model), ((YamlMappingNode)spec["scaleTargetRef"])["name"].ToString());
        Assert.Equal(declared.GetProperty("MinReplicas").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), spec["minReplicaCount"].ToString());
        Assert.Equal(declared.GetProperty("MaxReplicas").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), spec["maxReplicaCount"].ToString());
        Assert.Equal("prometheus", trigger["type"].ToString());
        Assert.Equal($"sum(llm_requests_in_flight{{cluster=\"{{{{.Env.AZURE_AKS_CLUSTER_NAME}}}}\", backend=\"{model}\"}}) + sum(llm_requests_queued{{cluster=\"{{{{.Env.AZURE_AKS_CLUSTER_NAME}}}}\", backend=\"{model}\"}})", metadata["query"].ToString());
        Assert.Equal(declared.GetProperty("SlotsPerServer").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), metadata["threshold"].ToString());
        Assert.Equal("{{.Env.AZURE_PROMETHEUS_QUERY_ENDPOINT}}", metadata["serverAddress"].ToString());
        Assert.Equal("azure-managed-prometheus", ((YamlMappingNode)trigger["authenticationRef"])["name"].ToString());
        var authentication = Custom("infra/k8s/cluster/keda-authentication.tmpl.yaml", "TriggerAuthentication", "azure-managed-prometheus");
        Assert.Equal("azure-workload", ((YamlMappingNode)((YamlMappingNode)authentication["spec"])["podIdentity"])["provider"].ToString());
    }

    [Theory]
    [InlineData("api")]
    [InlineData("web")]
    public void Services_HaveProbesLimitsAndRunLocked(string name)
    {
        var deployment = Object<V1Deployment>($"infra/k8s/{name}/{name}.tmpl.yaml", "Deployment", name);
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
        Assert.NotNull(Object<V1PodDisruptionBudget>($"infra/k8s/{name}/{name}.tmpl.yaml", "PodDisruptionBudget", name).Spec.MinAvailable);
    }

    [Fact]
    public void Api_ScalesOnCpuAndOnLlmRequestsInFlight()
    {
        var triggers = (YamlSequenceNode)((YamlMappingNode)Custom("infra/k8s/api/api.tmpl.yaml", "ScaledObject", "api")["spec"])["triggers"];
        var types = triggers.Children.Select(t => ((YamlMappingNode)t)["type"].ToString()).ToList();

        Assert.Equal(["prometheus", "cpu"], types);
        Assert.Contains("cluster=\"{{.Env.AZURE_AKS_CLUSTER_NAME}}\"", ((YamlMappingNode)((YamlMappingNode)triggers.Children[0])["metadata"])["query"].ToString());
        var environment = Object<V1Deployment>("infra/k8s/api/api.tmpl.yaml", "Deployment", "api").Spec.Template.Spec.Containers.Single().Env.ToDictionary(e => e.Name, e => e.Value);
        // Every model of the catalogue, at its own server, with its production tag, and the API told what it is.
        foreach (var model in Catalogue.All)
        {
            Assert.Equal($"Endpoint=http://{ServerName(model)}:11434;Model={Catalogue.Tag(model)}", environment[$"ConnectionStrings__{model}"]);
            Assert.Equal(Catalogue.Declaration(model).GetProperty("Kind").GetString(), environment[$"Llm__Models__{model}__Kind"]);
        }

        Assert.Equal(Catalogue.Fast, environment[$"Llm__Models__{Catalogue.Default}__Fallback"]);
        Assert.Equal("{{.Env.AZURE_TABLES_ENDPOINT}}", environment["ConnectionStrings__tables"]);
        Assert.Equal("{{.Env.AZURE_KEY_VAULT_ENDPOINT}}", environment["ConnectionStrings__secrets"]);
        Assert.Equal("9464", environment["Metrics__Port"]);
        Assert.Equal("https://login.microsoftonline.com/{{.Env.AZURE_TENANT_ID}}/v2.0", environment["Auth__Jwt__Authority"]);
        // Outside Development the API refuses to start without the scope and the clients it accepts (the web's azp).
        Assert.Equal("chat", environment["Auth__Jwt__RequiredScope"]);
        Assert.Equal("{{.Env.ENTRA_WEB_CLIENT_ID}}", environment["Auth__Jwt__ClientIds__0"]);
        // Admission per API replica follows Ollama's parallelism: one value in the AppHost feeds both.
        Assert.Equal("4", environment["Llm__Admission__SlotsPerServer"]);
    }

    [Fact]
    public void Api_BacksUpEveryTableNightly_WithItsOwnIdentity_IntoItsOwnContainer()
    {
        var job = Object<V1CronJob>("infra/k8s/api/api.tmpl.yaml", "CronJob", "api-backup");
        var pod = job.Spec.JobTemplate.Spec.Template.Spec;
        var container = pod.Containers.Single();

        Assert.Equal("17 2 * * *", job.Spec.Schedule);
        Assert.Equal("Forbid", job.Spec.ConcurrencyPolicy);
        Assert.Equal(["backup"], container.Args);
        Assert.Equal("api", pod.ServiceAccountName);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Contains(container.Env, e => e.Name == "Backups__BlobServiceUri" && e.Value == "https://{{.Env.AZURE_STORAGE_ACCOUNT_NAME}}.blob.core.windows.net/");
        Assert.Contains(container.Env, e => e.Name == "Backups__ContainerName" && e.Value == "backups");
        // Its blob role covers the backups container only; every table the API uses is created by Bicep (in Table
        // Storage or Cosmos DB for Table, which cannot create one with data-plane rights) and exported by the job.
        Assert.Contains(Plan["roleAssignments"]!.AsArray(), r => r!["identity"]!.GetValue<string>() == "api" && r["role"]!.GetValue<string>() == "Storage Blob Data Contributor" && r["scope"]!.GetValue<string>() == "blobContainer" && r["resource"]!.GetValue<string>() == "backups");
        // Every table the API names (Api.Shared.TableNames.All, read from the API's assembly: the AppHost links the same
        // file, so the type's name alone is ambiguous here), its options' defaults among them.
        var apiTables = (IReadOnlyList<string>)typeof(Api.Keys.ApiKeyOptions).Assembly.GetType("Api.Shared.TableNames")!.GetProperty("All")!.GetValue(null)!;
        Assert.Equal(apiTables, Plan["tables"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Contains(new Api.Conversations.ConversationOptions().TableName, apiTables);
        Assert.Contains(new Api.Keys.ApiKeyOptions().TableName, apiTables);
    }

    [Fact]
    public void Web_HasAnHpa_AndItsRouteOnTheGatewaysHttpsListener_WithLongTimeouts()
    {
        var hpa = Object<V2HorizontalPodAutoscaler>("infra/k8s/web/web.tmpl.yaml", "HorizontalPodAutoscaler", "web");
        var route = Custom("infra/k8s/web/web.tmpl.yaml", "HTTPRoute", "web");
        var spec = (YamlMappingNode)route["spec"];
        var parent = (YamlMappingNode)((YamlSequenceNode)spec["parentRefs"]).Children.Single();
        var rule = (YamlMappingNode)((YamlSequenceNode)spec["rules"]).Children.Single();

        Assert.Equal(70, hpa.Spec.Metrics.Single().Resource.Target.AverageUtilization);
        Assert.Equal("llmchat-gateway", parent["namespace"].ToString());
        Assert.Equal("https", parent["sectionName"].ToString());
        Assert.Equal("3600s", ((YamlMappingNode)rule["timeouts"])["request"].ToString());
        var environment = Object<V1Deployment>("infra/k8s/web/web.tmpl.yaml", "Deployment", "web").Spec.Template.Spec.Containers.Single().Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal("http://api:8080", environment["services__api__http__0"]);
        Assert.Equal("SignedAssertionFilePath", environment["AzureAd__ClientCredentials__0__SourceType"]);
        // The shared token cache in its own container (never the API's store), and the key ring wrapped by a Key Vault key.
        Assert.Equal("https://{{.Env.AZURE_STORAGE_ACCOUNT_NAME}}.blob.core.windows.net/tokencache", environment["TokenCache__ContainerUri"]);
        Assert.Equal("{{.Env.AZURE_KEY_VAULT_ENDPOINT}}keys/dataprotection", environment["DataProtection__KeyVaultKeyUri"]);
        Assert.DoesNotContain(environment.Keys, k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal));
    }

    [Fact]
    public void Gateway_TerminatesTlsWithTheKeyVaultCertificate_AndRedirectsHttp()
    {
        const string file = "infra/k8s/cluster/gateway.tmpl.yaml";
        var gateway = (YamlMappingNode)Custom(file, "Gateway", "llmchat")["spec"];
        var listeners = ((YamlSequenceNode)gateway["listeners"]).Children.Cast<YamlMappingNode>().ToDictionary(l => l["name"].ToString());
        var tls = (YamlMappingNode)listeners["https"]["tls"];
        var options = (YamlMappingNode)tls["options"];
        var account = Object<V1ServiceAccount>(file, "ServiceAccount", "gateway-tls");
        var redirect = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)Custom(file, "HTTPRoute", "https-redirect")["spec"])["rules"]).Children.Single())["filters"]).Children.Single();

        Assert.Equal("approuting-istio", gateway["gatewayClassName"].ToString());
        Assert.Equal("Terminate", tls["mode"].ToString());
        Assert.Equal("{{.Env.WEB_TLS_CERTIFICATE_URI}}", options["kubernetes.azure.com/tls-cert-keyvault-uri"].ToString());
        Assert.Equal("gateway-tls", options["kubernetes.azure.com/tls-cert-service-account"].ToString());
        Assert.Equal("{{.Env.AZURE_GATEWAY_IDENTITY_CLIENT_ID}}", account.Metadata.Annotations["azure.workload.identity/client-id"]);
        Assert.Equal("llmchat-gateway", account.Metadata.NamespaceProperty);
        Assert.Equal("HTTP", listeners["http"]["protocol"].ToString());
        Assert.Equal("https", ((YamlMappingNode)redirect["requestRedirect"])["scheme"].ToString());
        Assert.DoesNotContain(generated.Files.Values, f => f.Contains("kind: Ingress\n", StringComparison.Ordinal) || f.Contains("nginx.ingress.kubernetes.io", StringComparison.Ordinal));
    }

    [Fact]
    public void NetworkPolicies_DenyByDefault_OllamaReachableOnlyFromTheApi_WithoutEgress()
    {
        const string file = "infra/k8s/cluster/network-policies.tmpl.yaml";
        var deny = Object<V1NetworkPolicy>(file, "NetworkPolicy", "default-deny");
        var ollamaIngress = Object<V1NetworkPolicy>(file, "NetworkPolicy", $"{ServerName(Catalogue.Default)}-ingress");
        var webIngress = Object<V1NetworkPolicy>(file, "NetworkPolicy", "web-ingress");
        var all = generated.Files[file];

        Assert.Empty(deny.Spec.PodSelector.MatchLabels ?? new Dictionary<string, string>());
        Assert.Equal(["Ingress", "Egress"], deny.Spec.PolicyTypes);
        var from = Assert.Single(Assert.Single(ollamaIngress.Spec.Ingress).FromProperty);
        Assert.Equal("api", from.PodSelector.MatchLabels["app.kubernetes.io/name"]);
        Assert.Equal("11434", Assert.Single(ollamaIngress.Spec.Ingress.Single().Ports).Port.Value);
        Assert.DoesNotContain("name: ollama-egress", all);
        // The Gateway's pods (in their own namespace) reach the web; nothing else from outside the namespace does.
        Assert.Contains(webIngress.Spec.Ingress, rule => rule.FromProperty.Any(p => p.NamespaceSelector?.MatchLabels["kubernetes.io/metadata.name"] == "llmchat-gateway"));
        Assert.DoesNotContain("app-routing-system", all);
        Assert.Contains("name: web-egress", all);
    }

    [Fact]
    public void EveryServiceAccount_HasNoApiToken()
    {
        var accounts = generated.Files.Where(f => f.Key.StartsWith("infra/k8s/", StringComparison.Ordinal))
            .SelectMany(f => f.Value.Split("\n---\n").Where(d => d.Split('\n').Contains("kind: ServiceAccount")))
            .Select(d => KubernetesYaml.Deserialize<V1ServiceAccount>(d)).ToList();

        // api, web, the cache, the Gateway's TLS reader, and one per model server.
        Assert.Equal(4 + Catalogue.All.Count, accounts.Count);
        Assert.All(accounts, a => Assert.False(a.AutomountServiceAccountToken));
    }

    [Fact]
    public void SharedStore_IsAnEphemeralInClusterRedis_ThatOnlyTheApiReaches_WithThePasswordFromTheVault()
    {
        var file = "infra/k8s/cluster/cache.tmpl.yaml";
        var deployment = Object<V1Deployment>(file, "Deployment", "cache");
        var pod = deployment.Spec.Template.Spec;
        var container = pod.Containers.Single();
        var policies = "infra/k8s/cluster/network-policies.tmpl.yaml";
        var ingress = Object<V1NetworkPolicy>(policies, "NetworkPolicy", "cache-ingress");
        var apiEgress = Object<V1NetworkPolicy>(policies, "NetworkPolicy", "api-egress");
        var webEgress = Object<V1NetworkPolicy>(policies, "NetworkPolicy", "web-egress");
        var apiEnvironment = Object<V1Deployment>("infra/k8s/api/api.tmpl.yaml", "Deployment", "api").Spec.Template.Spec.Containers.Single().Env.ToDictionary(e => e.Name, e => e.Value);
        var webEnvironment = Object<V1Deployment>("infra/k8s/web/web.tmpl.yaml", "Deployment", "web").Spec.Template.Spec.Containers.Single().Env.ToDictionary(e => e.Name, e => e.Value);

        // An exact release (the official integration's "8.6" moves), imported into the registry like every third-party image.
        Assert.Equal("{{.Env.AZURE_CONTAINER_REGISTRY_ENDPOINT}}/library/redis:8.6.2", container.Image);
        Assert.Contains("docker.io/library/redis:8.6.2", Plan["hooks"]!["externalImages"]!.AsArray().Select(i => i!.GetValue<string>()));
        // In memory only, one replica replaced whole, as its own user.
        var script = Assert.Single(container.Args);
        Assert.Equal(["/bin/sh", "-c"], container.Command);
        Assert.Contains(" --save '' ", script, StringComparison.Ordinal);
        Assert.Contains(" --appendonly no ", script, StringComparison.Ordinal);
        Assert.Equal("Recreate", deployment.Spec.Strategy.Type);
        Assert.Equal(1, deployment.Spec.Replicas);
        Assert.Equal(999, pod.SecurityContext.RunAsUser);

        // Only the API (limits, admission, replies) gets in, on the Redis port only; the web has no way there
        // (its token cache is a blob container of its own).
        var rule = Assert.Single(ingress.Spec.Ingress);
        Assert.Equal(["api"], rule.FromProperty.Select(p => p.PodSelector.MatchLabels["app.kubernetes.io/name"]));
        Assert.Equal("6379", Assert.Single(rule.Ports).Port.Value);
        Assert.Contains(apiEgress.Spec.Egress, e => e.To.Single().PodSelector.MatchLabels["app.kubernetes.io/name"] == "cache" && e.Ports.Single().Port.Value == "6379");
        Assert.DoesNotContain(webEgress.Spec.Egress, e => e.Ports.Any(p => p.Port.Value == "6379") || e.To.Any(t => t.PodSelector?.MatchLabels?["app.kubernetes.io/name"] == "cache"));
        Assert.Equal("cache:6379", apiEnvironment["ConnectionStrings__cache"]);
        Assert.DoesNotContain(apiEnvironment.Keys, k => k.StartsWith("CACHE_", StringComparison.Ordinal));
        Assert.DoesNotContain(webEnvironment.Keys, k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal));
        Assert.Equal("https://{{.Env.AZURE_STORAGE_ACCOUNT_NAME}}.blob.core.windows.net/tokencache", webEnvironment["TokenCache__ContainerUri"]);

        // The password: the vault secret the API reads (its configuration names it), mounted by the Secrets Store CSI
        // driver for the store's pod, written to a config file in memory and required of every connection; never an
        // argument, an environment variable or a Kubernetes Secret.
        Assert.Contains("SharedStore--Password", apiEnvironment.Where(e => e.Key.Contains("__SecretNames__", StringComparison.Ordinal)).Select(e => e.Value));
        var providerClass = (YamlMappingNode)Custom(file, "SecretProviderClass", "cache-password")["spec"];
        var parameters = (YamlMappingNode)providerClass["parameters"];
        Assert.Equal("azure", providerClass["provider"].ToString());
        Assert.Equal("{{.Env.AZURE_CACHE_IDENTITY_CLIENT_ID}}", parameters["clientID"].ToString());
        Assert.Contains("objectName: SharedStore--Password", parameters["objects"].ToString(), StringComparison.Ordinal);
        var volume = pod.Volumes.Single(v => v.Csi is not null);
        Assert.Equal("secrets-store.csi.k8s.io", volume.Csi.Driver);
        Assert.Equal("cache-password", volume.Csi.VolumeAttributes["secretProviderClass"]);
        var mount = container.VolumeMounts.Single(m => m.Name == volume.Name);
        var config = pod.Volumes.Single(v => v.EmptyDir?.Medium == "Memory");
        var configPath = container.VolumeMounts.Single(m => m.Name == config.Name).MountPath;
        Assert.StartsWith(
            $"umask 077 && printf 'requirepass \"%s\"\\n' \"$(cat {mount.MountPath}/password)\" > {configPath}/redis.conf && exec redis-server {configPath}/redis.conf ",
            script,
            StringComparison.Ordinal);
        Assert.DoesNotContain("requirepass", string.Join(' ', container.Env.Select(e => e.Name)), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("protected-mode", script, StringComparison.Ordinal);
        Assert.Contains(Plan["roleAssignments"]!.AsArray(), r => r!["identity"]!.GetValue<string>() == "cache" && r["resource"]?.GetValue<string>() == "SharedStore--Password" && r["role"]!.GetValue<string>() == "Key Vault Secrets User");
        Assert.Single(Plan["roleAssignments"]!.AsArray(), r => r!["identity"]!.GetValue<string>() == "cache");
    }

    /// <summary>
    /// The store pod's start script, run by a real shell with a stand-in <c>redis-server</c> that prints what it was
    /// given: the config file it reads holds the mounted password as Redis's <c>requirepass</c> (quoted as its config
    /// parser reads a string), only its owner may read the file, and the options arrive as separate arguments (the empty
    /// <c>--save</c> included).
    /// </summary>
    [Fact]
    public async Task StorePod_StartScript_RequiresTheMountedPassword()
    {
        var pod = Object<V1Deployment>("infra/k8s/cluster/cache.tmpl.yaml", "Deployment", "cache").Spec.Template.Spec;
        var container = pod.Containers.Single();
        using var folder = new Simulation.TemporaryFolder();
        var script = container.Args.Single();
        foreach (var mount in container.VolumeMounts)
        {
            Directory.CreateDirectory(Path.Combine(folder.Path, mount.Name));
            script = script.Replace(mount.MountPath + "/", Path.Combine(folder.Path, mount.Name) + "/", StringComparison.Ordinal);
        }

        var passwordVolume = pod.Volumes.Single(v => v.Csi is not null).Name;
        await File.WriteAllTextAsync(Path.Combine(folder.Path, passwordVolume, "password"), "s3cr3tFromTheVault", TestContext.Current.CancellationToken);
        var bin = Directory.CreateDirectory(Path.Combine(folder.Path, "bin")).FullName;
        var stub = Path.Combine(bin, "redis-server");
        await File.WriteAllTextAsync(stub, "#!/bin/sh\nstat -c 'mode=%a' \"$1\"\ncat \"$1\"\nshift\nfor a in \"$@\"; do printf '[%s]' \"$a\"; done\n", TestContext.Current.CancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        }

        var start = new System.Diagnostics.ProcessStartInfo(container.Command[0], [container.Command[1], script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PATH"] = $"{bin}:/usr/bin:/bin";
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(process.ExitCode == 0, error);
        var lines = output.Split('\n');
        Assert.Equal("mode=600", lines[0]);
        Assert.Equal("requirepass \"s3cr3tFromTheVault\"", lines[1]);
        Assert.Equal("[--port][6379][--dir][/data][--save][][--appendonly][no][--maxmemory][384mb][--maxmemory-policy][volatile-ttl]", lines[2]);
    }

    [Fact]
    public void OpenAiRoute_IsPublicOnTheWebsHost_OnlyUnderV1()
    {
        var route = (YamlMappingNode)Custom("infra/k8s/api/api.tmpl.yaml", "HTTPRoute", "api")["spec"];
        var webRoute = (YamlMappingNode)Custom("infra/k8s/web/web.tmpl.yaml", "HTTPRoute", "web")["spec"];
        var rule = (YamlMappingNode)((YamlSequenceNode)route["rules"]).Children.Single();
        var path = (YamlMappingNode)((YamlMappingNode)((YamlSequenceNode)rule["matches"]).Children.Single())["path"];
        var backend = (YamlMappingNode)((YamlSequenceNode)rule["backendRefs"]).Children.Single();
        var apiIngressPolicy = Object<V1NetworkPolicy>("infra/k8s/cluster/network-policies.tmpl.yaml", "NetworkPolicy", "api-ingress");
        var webEnvironment = Object<V1Deployment>("infra/k8s/web/web.tmpl.yaml", "Deployment", "web").Spec.Template.Spec.Containers.Single().Env.ToDictionary(e => e.Name, e => e.Value);

        Assert.Equal("/v1", path["value"].ToString());
        Assert.Equal("PathPrefix", path["type"].ToString());
        Assert.Equal("api", backend["name"].ToString());
        Assert.Equal("8080", backend["port"].ToString());
        Assert.Equal(((YamlSequenceNode)webRoute["hostnames"]).Children.Single().ToString(), ((YamlSequenceNode)route["hostnames"]).Children.Single().ToString());
        // Replies stream for minutes: a long request timeout (Envoy streams responses; there is no buffering to turn off).
        Assert.Equal("3600s", ((YamlMappingNode)rule["timeouts"])["request"].ToString());
        Assert.Contains(apiIngressPolicy.Spec.Ingress, r => r.FromProperty.Any(p => p.NamespaceSelector?.MatchLabels["kubernetes.io/metadata.name"] == "llmchat-gateway") && r.Ports.Single().Port.Value == "8080");
        Assert.Equal("https://{{.Env.WEB_HOSTNAME}}/v1", webEnvironment["OpenAi__BaseUrl"]);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void EachModelServer_HasAHeadlessService_ThatTheApiCountsItsServersBy(string model)
    {
        var service = Object<V1Service>(ServerFile(model), "Service", $"{ServerName(model)}-pods");
        var deployment = Object<V1Deployment>(ServerFile(model), "Deployment", ServerName(model));
        var apiEnvironment = Object<V1Deployment>("infra/k8s/api/api.tmpl.yaml", "Deployment", "api").Spec.Template.Spec.Containers.Single().Env.ToDictionary(e => e.Name, e => e.Value);
        var policy = Object<V1NetworkPolicy>("infra/k8s/cluster/network-policies.tmpl.yaml", "NetworkPolicy", $"{ServerName(model)}-ingress");

        Assert.Equal("None", service.Spec.ClusterIP);
        Assert.Equal(deployment.Spec.Selector.MatchLabels, service.Spec.Selector);
        Assert.Equal($"{ServerName(model)}-pods", apiEnvironment[$"Llm__Admission__ServerHosts__{model}"]);
        Assert.Equal("api", Assert.Single(Assert.Single(policy.Spec.Ingress).FromProperty).PodSelector.MatchLabels["app.kubernetes.io/name"]);
        // While the store is away each of the API's (at least two) replicas admits its share.
        Assert.Equal("2", apiEnvironment["Llm__Admission__ApiReplicas"]);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void EachModel_RunsOnItsDeclaredPool_WithItsOwnPreloadedImage(string model)
    {
        var pod = Object<V1Deployment>(ServerFile(model), "Deployment", ServerName(model)).Spec.Template.Spec;
        var container = pod.Containers.Single();
        var gpu = Catalogue.Declaration(model).GetProperty("Pool").GetString() == "Gpu";
        var environment = container.Env.ToDictionary(e => e.Name, e => e.Value);

        Assert.Equal(gpu ? "gpu" : "cpu", pod.NodeSelector["kubernetes.azure.com/agentpool"]);
        Assert.Equal(gpu, container.Resources.Limits.ContainsKey("nvidia.com/gpu"));
        Assert.Contains(Catalogue.Tag(model).Replace(':', '-').Replace('.', '-').Replace('_', '-').ToLowerInvariant(), pod.InitContainers.Single().Image);
        Assert.Equal(Catalogue.Declaration(model).GetProperty("ContextLength").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), environment["OLLAMA_CONTEXT_LENGTH"]);
    }

    [Fact]
    public void Roles_AreLeastPrivilege_EachOnTheOneItemItsWorkloadUses()
    {
        var roles = Plan["roleAssignments"]!.AsArray().Select(r => $"{r!["identity"]} {r["role"]} on {r["scope"]} {r["resource"]}".TrimEnd()).ToList();

        Assert.Equal(
            [
                "api Monitoring Metrics Publisher on applicationInsights",
                "api Key Vault Secrets User on keyVaultSecret Safety--Canary",
                "api Key Vault Secrets User on keyVaultSecret SharedStore--Password",
                "api Storage Table Data Contributor on storage",
                "api Storage Blob Data Contributor on blobContainer backups",
                "api Storage Blob Data Contributor on blobContainer audit",
                "web Monitoring Metrics Publisher on applicationInsights",
                "web Storage Blob Data Contributor on blobContainer dataprotection",
                "web Storage Blob Data Contributor on blobContainer tokencache",
                "web Key Vault Crypto User on keyVaultKey dataprotection",
                "cache Key Vault Secrets User on keyVaultSecret SharedStore--Password",
                "keda Monitoring Data Reader on monitorWorkspace",
            ],
            roles);
        // No role on a whole vault or on a whole account's blobs: the web cannot read the backups, the API cannot
        // read the TLS key or touch the web's key ring or token cache; the store's pod reads its password and nothing else.
        Assert.DoesNotContain(roles, r => r.EndsWith(" on keyVault", StringComparison.Ordinal) || r.Contains("Blob Data Contributor on storage", StringComparison.Ordinal));
    }

    /// <summary>
    /// The model server's requests must fit one node of the GPU pool after AKS's reservations and the node's DaemonSets,
    /// for every size the pool allows, or the pod never schedules. AKS reserves CPU by core count (60m for 1 core, 100m
    /// for 2, 140m for 4, 180m for 8, 260m for 16, 420m for 32, 740m for 64) and memory as 20 MB per pod (max pods 250
    /// with Azure CNI overlay) + 50 MB, plus a 100 MiB eviction threshold. The DaemonSets on a GPU node (Cilium, CNS,
    /// CSI drivers, the Key Vault CSI provider, Container Insights, managed Prometheus, the NVIDIA device plugin)
    /// request about 1 CPU and 1.5 GiB together (docs/deploy.md).
    /// </summary>
    [Fact]
    public void Ollama_RequestsFitEveryAllowedGpuNode_AfterReservationsAndDaemonSets()
    {
        var vmSizes = new Dictionary<string, (int Cores, double MemoryGiB)>
        {
            ["Standard_NC4as_T4_v3"] = (4, 28),
            ["Standard_NC8as_T4_v3"] = (8, 56),
            ["Standard_NC24ads_A100_v4"] = (24, 220),
            ["Standard_NC40ads_H100_v5"] = (40, 320),
        };
        var reservedCpu = new SortedDictionary<int, double> { [1] = 0.06, [2] = 0.1, [4] = 0.14, [8] = 0.18, [16] = 0.26, [32] = 0.42, [64] = 0.74 };
        const double DaemonSetCpu = 1.0, DaemonSetMemoryGiB = 1.5, ReservedMemoryGiB = (20.0 * 250 + 50) / 1024 + 100.0 / 1024;
        var gpu = Plan["nodePools"]!.AsArray().Single(p => p!["gpusPerNode"]!.GetValue<int>() > 0)!;
        var requests = Object<V1Deployment>(ServerFile(Catalogue.Default), "Deployment", ServerName(Catalogue.Default)).Spec.Template.Spec.Containers.Single().Resources.Requests;

        foreach (var size in gpu["allowedVmSizes"]!.AsArray().Select(s => s!.GetValue<string>()))
        {
            var (cores, memory) = vmSizes[size];
            var allocatableCpu = cores - reservedCpu.Last(r => r.Key <= cores).Value - DaemonSetCpu;
            var allocatableMemory = memory - ReservedMemoryGiB - DaemonSetMemoryGiB;

            Assert.True((double)requests["cpu"].ToDecimal() <= allocatableCpu, $"{size}: Ollama requests {requests["cpu"]} CPU, {allocatableCpu:F2} is left.");
            Assert.True((double)requests["memory"].ToDecimal() / (1 << 30) <= allocatableMemory, $"{size}: Ollama requests {requests["memory"]}, {allocatableMemory:F1} GiB is left.");
        }
    }

    [Fact]
    public void GpuMetrics_TheDcgmExporterRunsOnEveryGpuNode_AndManagedPrometheusScrapesItsPort()
    {
        const string file = "infra/k8s/cluster/gpu-metrics.tmpl.yaml";
        var exporter = Object<V1DaemonSet>(file, "DaemonSet", "dcgm-exporter");
        var pod = exporter.Spec.Template.Spec;
        var container = pod.Containers.Single();
        var scrape = Object<V1ConfigMap>(file, "ConfigMap", "ama-metrics-prometheus-config");
        var job = new YamlStream();
        job.Load(new StringReader(scrape.Data["prometheus-config"]));
        var config = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)job.Documents[0].RootNode)["scrape_configs"]).Children.Single();
        var keeps = ((YamlSequenceNode)config["relabel_configs"]).Children.Cast<YamlMappingNode>().Where(r => r.Children.ContainsKey("action") && r["action"].ToString() == "keep").ToDictionary(r => ((YamlSequenceNode)r["source_labels"]).Children.Single().ToString(), r => r["regex"].ToString());

        // On the GPU pool's nodes only, beside the device plugin (kube-system: the workloads' namespace forbids host paths).
        Assert.Equal("kube-system", exporter.Metadata.NamespaceProperty);
        Assert.Equal(["gpu"], pod.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms.Single().MatchExpressions.Single().Values);
        Assert.Contains(pod.Tolerations, t => t.Key == "sku" && t.Value == "gpu");
        Assert.Contains(pod.Tolerations, t => t.Key == "nvidia.com/gpu");
        Assert.StartsWith("{{.Env.AZURE_CONTAINER_REGISTRY_ENDPOINT}}/nvidia/k8s/dcgm-exporter:", container.Image, StringComparison.Ordinal);
        // It holds no GPU of its own: it reads them all.
        Assert.DoesNotContain("nvidia.com/gpu", container.Resources.Limits.Keys);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        // No capability added (issue 30, finding 15): every DCGM counter the repository reads is one the exporter serves
        // without SYS_ADMIN, its default counters (etc/default-counters.csv of NVIDIA/dcgm-exporter, listed beside this
        // test); a profiling counter (DCGM_FI_PROF_*) would need SYS_ADMIN back.
        Assert.Null(container.SecurityContext.Capabilities.Add);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        var served = File.ReadAllLines(Path.Combine(Repository.Root, "Tests", "Deployment", "dcgm-default-counters.txt")).Where(l => l.StartsWith("DCGM_FI_", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        var read = new[] { "infra", "AppHost" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(Repository.Root, d), "*", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains("node_modules", StringComparison.Ordinal))
            .SelectMany(f => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(f), "DCGM_FI_[A-Z_]+").Select(m => m.Value))
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(read);
        Assert.Empty(read.Except(served));
        Assert.True(container.VolumeMounts.Single().ReadOnlyProperty);

        // The scrape job keeps exactly this DaemonSet's pods, on the port it names "metrics".
        Assert.Equal("kube-system", scrape.Metadata.NamespaceProperty);
        Assert.Equal(exporter.Metadata.Labels["app.kubernetes.io/name"], keeps["__meta_kubernetes_pod_label_app_kubernetes_io_name"]);
        Assert.Equal(container.Ports.Single().Name, keeps["__meta_kubernetes_pod_container_port_name"]);
        Assert.Equal($":{container.Ports.Single().ContainerPort}", container.Env.Single(e => e.Name == "DCGM_EXPORTER_LISTEN").Value);

        // Its own network policy (issue 30, finding 15): it sends nothing (it reads the GPUs through DCGM in its own
        // process and the kubelet's socket, a file), and only pods of kube-system (managed Prometheus's) reach its port.
        var policy = Object<V1NetworkPolicy>(file, "NetworkPolicy", "dcgm-exporter");
        Assert.Equal("kube-system", policy.Metadata.NamespaceProperty);
        Assert.Equal(exporter.Spec.Selector.MatchLabels, policy.Spec.PodSelector.MatchLabels);
        Assert.Equal(["Ingress", "Egress"], policy.Spec.PolicyTypes);
        Assert.Empty(policy.Spec.Egress ?? []);
        var rule = Assert.Single(policy.Spec.Ingress);
        var peer = Assert.Single(rule.FromProperty);
        Assert.Null(peer.NamespaceSelector);
        Assert.Empty(peer.PodSelector.MatchLabels ?? new Dictionary<string, string>());
        Assert.Equal(container.Ports.Single().ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(rule.Ports).Port.Value);
        Assert.Null(pod.HostNetwork);
        Assert.False(pod.AutomountServiceAccountToken);
    }

    [Fact]
    public void Images_ArePinned_ToExactReleases()
    {
        var external = Plan["hooks"]!["externalImages"]!.AsArray().Select(i => i!.GetValue<string>()).ToList();
        var inManifests = generated.Files.Where(f => f.Key.StartsWith("infra/", StringComparison.Ordinal))
            .SelectMany(f => f.Value.Split('\n').Where(l => l.TrimStart().StartsWith("image:", StringComparison.Ordinal))).ToList();

        Assert.NotEmpty(inManifests);
        Assert.DoesNotContain(inManifests, l => l.Contains(":latest", StringComparison.Ordinal));
        // A tag like "8.6" moves with each patch release: every third-party image names one release (NVIDIA's DCGM
        // exporter names two, DCGM's and its own, and its base: 4.2.3-4.1.3-ubuntu22.04).
        Assert.All(external, image => Assert.Matches(@":v?\d+\.\d+\.\d+(-\d+\.\d+\.\d+-ubuntu\d+\.\d+)?$", image));
        Assert.Contains("nvcr.io/nvidia/k8s-device-plugin:v0.19.2", external);
        Assert.Contains("nvcr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.1.3-ubuntu22.04", external);
    }

    [Fact]
    public void AzureYaml_DeploysTheServicesToAks_WithOneHookProgramForBothShells()
    {
        var azure = generated.Files["azure.yaml"];

        Assert.Contains("  api:\n    project: ./Api\n    language: dotnet\n    host: aks", azure);
        Assert.Contains("  web:\n    project: ./Web\n    language: dotnet\n    host: aks", azure);
        Assert.Contains("deploymentPath: ../infra/k8s/api", azure);
        // azd templates only *.tmpl.yaml; every other YAML file in the folder would be applied as it is.
        Assert.All(generated.Files.Keys.Where(k => k.StartsWith("infra/k8s/", StringComparison.Ordinal)), k => Assert.EndsWith(".tmpl.yaml", k, StringComparison.Ordinal));
        Assert.Equal(4, azure.Split('\n').Count(l => l.Trim() is "run: dotnet run --project infra/hooks preprovision" or "run: dotnet run --project infra/hooks postprovision"));
        Assert.DoesNotContain("ingress:", azure);
        Assert.Contains(Plan["secrets"]!.AsArray(), s => s!["environmentVariable"]!.GetValue<string>() == "SAFETY_CANARY" && s["generated"]!.GetValue<bool>());
    }
}
