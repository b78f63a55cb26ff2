using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Deployment;

/// <summary>Reads the AppHost model (in publish mode) into a <see cref="DeploymentPlan"/>.</summary>
internal static class DeploymentPlanner
{
    public const int HttpPort = 8080;
    public const int MetricsPort = 9464;
    public const int OllamaPort = 11434;

    // Built-in role definition ids.
    public static readonly RolePlan TableDataContributor = new("storage", "Storage Table Data Contributor", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3");
    public static readonly RolePlan SecretsUser = new("keyVault", "Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6");
    public static readonly RolePlan MetricsPublisher = new("applicationInsights", "Monitoring Metrics Publisher", "3913510d-42f4-4e42-8a64-420c390055eb");

    /// <summary>Environment keys that only make sense in run mode, or that the deployment sets itself.</summary>
    private static readonly string[] DroppedPrefixes = ["OTEL_", "ASPNETCORE_URLS", "HTTP_PORTS", "HTTPS_PORTS", "DOTNET_"];

    public static async Task<DeploymentPlan> CreateAsync(DistributedApplicationModel model, DistributedApplicationExecutionContext context, CancellationToken cancellationToken)
    {
        var environment = model.Resources.OfType<AzureKubernetesEnvironmentResource>().SingleOrDefault()
            ?? throw new InvalidOperationException("The AppHost has no AddAzureKubernetesEnvironment: there is nothing to deploy to.");

        var pools = environment.NodePools
            .Select(p => new PoolPlan(p.Name, p.VmSize, p.MinCount, p.MaxCount, p.Taints, p.Labels, p.Spot, p.GpusPerNode, p.AllowedVmSizes))
            .ToList();
        PoolPlan? PoolOf(IResource resource) =>
            resource.Annotations.OfType<AksNodePoolAnnotation>().LastOrDefault() is { } annotation ? pools.Single(p => p.Name == annotation.Pool.Name) : null;

        var workloads = new List<WorkloadPlan>();
        var callers = new Dictionary<string, List<string>>(StringComparer.Ordinal);

        foreach (var project in model.Resources.OfType<ProjectResource>().OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            var variables = await EvaluateEnvironmentAsync(project, context, cancellationToken);
            var environmentVariables = new List<KeyValuePair<string, string>>();
            var roles = new List<RolePlan> { MetricsPublisher };
            foreach (var (key, value) in variables.OrderBy(v => v.Key, StringComparer.Ordinal))
            {
                if (DroppedPrefixes.Any(prefix => key.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    continue;
                }

                if (value is EndpointReference endpoint)
                {
                    // Service discovery inside the cluster: only the plain HTTP endpoint of another workload.
                    if (endpoint.EndpointName != "http")
                    {
                        continue;
                    }

                    Called(callers, endpoint.Resource.Name, project.Name);
                }

                if (value is ConnectionStringReference { Resource: OllamaModelResource modelResource })
                {
                    Called(callers, modelResource.Parent.Name, project.Name);
                }

                if (value is ConnectionStringReference { Resource: AzureTableStorageResource })
                {
                    roles.Add(TableDataContributor);
                }

                if (value is ParameterResource { Name: var parameter } && parameter.EndsWith("-uri", StringComparison.Ordinal) && model.Resources.OfType<AzureKeyVaultResource>().Any(v => v.VaultUri.Name == parameter))
                {
                    roles.Add(SecretsUser);
                }

                environmentVariables.Add(new(key, await RenderAsync(value, cancellationToken)));
            }

            foreach (var assignment in project.Annotations.OfType<StorageRoleAssignmentAnnotation>())
            {
                roles.AddRange(assignment.Roles.Select(r => new RolePlan("storage", r.Name, r.RoleDefinitionId)));
            }

            environmentVariables.Add(new("APPLICATIONINSIGHTS_CONNECTION_STRING", "{{.Env.APPLICATIONINSIGHTS_CONNECTION_STRING}}"));
            environmentVariables.Add(new("ASPNETCORE_HTTP_PORTS", HttpPort.ToString(CultureInfo.InvariantCulture)));

            var ports = new List<PortPlan> { new("http", HttpPort, Public: true) };
            if (project.Annotations.OfType<EndpointAnnotation>().Any(e => e.Name == "metrics"))
            {
                ports.Add(new PortPlan("metrics", MetricsPort, Public: false));
            }

            workloads.Add(new WorkloadPlan(
                project.Name,
                WorkloadKind.Project,
                $"{{{{.Env.SERVICE_{project.Name.ToUpperInvariant()}_IMAGE_NAME}}}}",
                ports,
                environmentVariables,
                PoolOf(project),
                project.Annotations.OfType<KubernetesScalingAnnotation>().LastOrDefault(),
                project.Annotations.OfType<KubernetesResourcesAnnotation>().LastOrDefault() ?? new("250m", "256Mi", "1", "1Gi"),
                Gpus: 0,
                Models: [],
                [.. roles.Distinct()],
                External: project.Annotations.OfType<EndpointAnnotation>().Any(e => e.IsExternal),
                Callers: [],
                CronJobs: [.. project.Annotations.OfType<KubernetesCronJobAnnotation>()]));
        }

        foreach (var ollama in model.Resources.OfType<OllamaResource>().OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            var variables = await EvaluateEnvironmentAsync(ollama, context, cancellationToken);
            var image = ollama.Annotations.OfType<ContainerImageAnnotation>().Single();
            var environmentVariables = new List<KeyValuePair<string, string>>();
            foreach (var (key, value) in variables.OrderBy(v => v.Key, StringComparer.Ordinal))
            {
                environmentVariables.Add(new(key, await RenderAsync(value, cancellationToken)));
            }

            workloads.Add(new WorkloadPlan(
                ollama.Name,
                WorkloadKind.Ollama,
                $"{image.Registry}/{image.Image}:{image.Tag}",
                [new PortPlan("http", OllamaPort, Public: false)],
                environmentVariables,
                PoolOf(ollama),
                ollama.Annotations.OfType<KubernetesScalingAnnotation>().LastOrDefault(),
                ollama.Annotations.OfType<KubernetesResourcesAnnotation>().LastOrDefault() ?? new("1", "4Gi", "2", "8Gi"),
                Gpus: ollama.Annotations.OfType<OllamaGpuAnnotation>().LastOrDefault()?.Count ?? 0,
                [.. ollama.Models.Select(m => new ModelPlan(m))],
                Roles: [],
                External: false,
                Callers: []));
        }

        workloads = [.. workloads.Select(w => w with { Callers = callers.TryGetValue(w.Name, out var list) ? [.. list.Distinct().Order(StringComparer.Ordinal)] : [] })];

        var secrets = model.Resources.OfType<AzureKeyVaultSecretResource>()
            .OrderBy(s => s.SecretName, StringComparer.Ordinal)
            .Select(s => new SecretPlan(s.SecretName, s.Value.Name, s.Value.Default is GenerateParameterDefault))
            .ToList();

        return new DeploymentPlan(
            environment.Namespace,
            environment.SystemVmSize,
            pools,
            workloads,
            secrets,
            HasStorage: model.Resources.OfType<AzureStorageResource>().Any(),
            HasKeyVault: model.Resources.OfType<AzureKeyVaultResource>().Any());
    }

    private static void Called(Dictionary<string, List<string>> callers, string callee, string caller)
    {
        if (!callers.TryGetValue(callee, out var list))
        {
            callers[callee] = list = [];
        }

        list.Add(caller);
    }

    private static async Task<Dictionary<string, object>> EvaluateEnvironmentAsync(IResource resource, DistributedApplicationExecutionContext context, CancellationToken cancellationToken)
    {
        var variables = new Dictionary<string, object>(StringComparer.Ordinal);
        var callbackContext = new EnvironmentCallbackContext(context, resource, variables, cancellationToken);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(callbackContext);
        }

        return variables;
    }

    /// <summary>
    /// A value as the deployment knows it: in-cluster addresses for endpoints and models, azd environment values
    /// (<c>{{.Env.NAME}}</c>, filled from the Bicep outputs) for parameters and Azure resources.
    /// </summary>
    private static async Task<string> RenderAsync(object value, CancellationToken cancellationToken) => value switch
    {
        string text => text,
        ParameterResource parameter => AzdVariable(parameter.Name),
        ConnectionStringReference { Resource: OllamaModelResource model } => $"Endpoint=http://{model.Parent.Name}:{OllamaPort};Model={model.ModelName}",
        ConnectionStringReference { Resource: AzureTableStorageResource } => "{{.Env.AZURE_TABLES_ENDPOINT}}",
        ConnectionStringReference reference => throw new NotSupportedException($"No deployment form for the connection string of '{reference.Resource.Name}'."),
        EndpointReference endpoint => $"http://{endpoint.Resource.Name}:{PortOf(endpoint.Resource, endpoint.EndpointName)}",
        EndpointReferenceExpression { Property: EndpointProperty.TargetPort or EndpointProperty.Port } expression => PortOf(expression.Endpoint.Resource, expression.Endpoint.EndpointName).ToString(CultureInfo.InvariantCulture),
        EndpointReferenceExpression { Property: EndpointProperty.Url } expression => $"http://{expression.Endpoint.Resource.Name}:{PortOf(expression.Endpoint.Resource, expression.Endpoint.EndpointName)}",
        ReferenceExpression expression => await RenderExpressionAsync(expression, cancellationToken),
        _ => throw new NotSupportedException($"No deployment form for a value of type {value.GetType().Name}."),
    };

    private static async Task<string> RenderExpressionAsync(ReferenceExpression expression, CancellationToken cancellationToken)
    {
        var parts = new object[expression.ValueProviders.Count];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = await RenderAsync(expression.ValueProviders[i], cancellationToken);
        }

        return string.Format(CultureInfo.InvariantCulture, expression.Format, parts);
    }

    private static int PortOf(IResource resource, string endpointName) => (resource, endpointName) switch
    {
        (OllamaResource, _) => OllamaPort,
        (_, "metrics") => MetricsPort,
        _ => HttpPort,
    };

    /// <summary><c>secrets-uri</c> is the vault's endpoint; other parameters are azd environment values of the same name in upper snake case.</summary>
    public static string AzdVariable(string parameterName) => parameterName switch
    {
        "secrets-uri" => "{{.Env.AZURE_KEY_VAULT_ENDPOINT}}",
        "storage-account-name" => "{{.Env.AZURE_STORAGE_ACCOUNT_NAME}}",
        _ => $"{{{{.Env.{parameterName.ToUpperInvariant().Replace('-', '_')}}}}}",
    };
}
