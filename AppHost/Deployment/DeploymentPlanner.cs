using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace AppHost.Deployment;

/// <summary>Reads the AppHost model (in publish mode) into a <see cref="DeploymentPlan"/>.</summary>
internal static class DeploymentPlanner
{
    /// <summary>Environment keys that only make sense in run mode, or that the deployment sets itself.</summary>
    private static readonly string[] DroppedPrefixes = ["OTEL_", "ASPNETCORE_URLS", "HTTP_PORTS", "HTTPS_PORTS", "DOTNET_"];

    public static async Task<DeploymentPlan> CreateAsync(DistributedApplicationModel model, DistributedApplicationExecutionContext context, CancellationToken cancellationToken)
    {
        var environment = model.Resources.OfType<AzureKubernetesEnvironmentResource>().SingleOrDefault()
            ?? throw new InvalidOperationException("The AppHost has no AddAzureKubernetesEnvironment: there is nothing to deploy to.");

        var pools = environment.NodePools
            .Select(p => new PoolPlan(p.Name, p.VmSize, p.MinCount, p.MaxCount, p.Taints, p.Labels, p.GpusPerNode, p.AllowedVmSizes))
            .ToList();
        PoolPlan? PoolOf(IResource resource) =>
            resource.Annotations.OfType<AksNodePoolAnnotation>().LastOrDefault() is { } annotation ? pools.Single(p => p.Name == annotation.Pool.Name) : null;

        var workloads = new List<WorkloadPlan>();
        var identities = new List<IdentityPlan>();
        var roles = new List<RoleAssignmentPlan>();
        var callers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var vaults = model.Resources.OfType<AzureKeyVaultResource>().ToList();

        foreach (var project in model.Resources.OfType<ProjectResource>().OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            // Every service has its own identity, federated with its service account: no secret anywhere.
            var identity = new IdentityPlan(project.Name, environment.Namespace, project.Name);
            identities.Add(identity);
            void Grant(string scope, BuiltInRole role) => roles.Add(new RoleAssignmentPlan(identity.Name, scope, role));

            // Telemetry goes to Application Insights with Entra ID (local auth is off), so every service publishes metrics.
            Grant("applicationInsights", BuiltInRole.MonitoringMetricsPublisher);

            var variables = await EvaluateEnvironmentAsync(project, context, cancellationToken);
            var environmentVariables = new List<KeyValuePair<string, string>>();
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

                switch (value)
                {
                    case ConnectionStringReference { Resource: OllamaModelResource modelResource }:
                        Called(callers, modelResource.Parent.Name, project.Name);
                        break;
                    case ConnectionStringReference { Resource: RedisResource redis }:
                        Called(callers, redis.Name, project.Name);
                        break;
                    case ConnectionStringReference { Resource: AzureTableStorageResource }:
                        Grant("storage", BuiltInRole.StorageTableDataContributor);
                        break;
                    case ParameterResource parameter when vaults.FirstOrDefault(v => v.VaultUri.Name == parameter.Name) is { } vault:
                        // The consumer reads the vault's secrets by name: a role on each, none on the vault.
                        foreach (var secret in vault.Secrets)
                        {
                            roles.Add(new RoleAssignmentPlan(identity.Name, "keyVaultSecret", BuiltInRole.KeyVaultSecretsUser, secret.SecretName));
                        }

                        break;
                }

                environmentVariables.Add(new(key, await RenderAsync(value, cancellationToken)));
            }

            foreach (var assignment in project.Annotations.OfType<StorageRoleAssignmentAnnotation>())
            {
                foreach (var role in assignment.Roles)
                {
                    roles.Add(assignment.Container is { } container
                        ? new RoleAssignmentPlan(identity.Name, "blobContainer", new BuiltInRole(role.Name, role.RoleDefinitionId), container.BlobContainerName)
                        : new RoleAssignmentPlan(identity.Name, "storage", new BuiltInRole(role.Name, role.RoleDefinitionId)));
                }
            }

            foreach (var assignment in project.Annotations.OfType<KeyVaultRoleAssignmentAnnotation>())
            {
                roles.Add(new RoleAssignmentPlan(identity.Name, "keyVaultKey", new BuiltInRole(assignment.RoleName, assignment.RoleDefinitionId), assignment.Key.KeyName));
            }

            environmentVariables.Add(new(AzdEnvironment.ApplicationInsightsConnectionString, AzdEnvironment.Reference(AzdEnvironment.ApplicationInsightsConnectionString)));
            environmentVariables.Add(new("ASPNETCORE_HTTP_PORTS", DeploymentConventions.HttpPort.ToString(CultureInfo.InvariantCulture)));

            var ports = new List<PortPlan> { new("http", DeploymentConventions.HttpPort, OnService: true) };
            if (project.Annotations.OfType<EndpointAnnotation>().Any(e => e.Name == "metrics"))
            {
                ports.Add(new PortPlan("metrics", DeploymentConventions.MetricsPort, OnService: false));
            }

            workloads.Add(new WorkloadPlan(
                project.Name,
                WorkloadKind.Service,
                AzdEnvironment.Reference(AzdEnvironment.ServiceImage(project.Name)),
                ports,
                environmentVariables,
                PoolOf(project),
                project.Annotations.OfType<KubernetesScalingAnnotation>().LastOrDefault(),
                project.Annotations.OfType<KubernetesResourcesAnnotation>().LastOrDefault() ?? new("250m", "256Mi", "1", "1Gi"),
                Models: [],
                identity,
                External: project.Annotations.OfType<EndpointAnnotation>().Any(e => e.IsExternal),
                Callers: [],
                CronJobs: [.. project.Annotations.OfType<KubernetesCronJobAnnotation>()])
            {
                IngressPaths = project.Annotations.OfType<KubernetesIngressPathsAnnotation>().LastOrDefault()?.Paths
                    ?? (project.Annotations.OfType<EndpointAnnotation>().Any(e => e.IsExternal) ? ["/"] : []),
            });
        }

        var externalImages = new List<ExternalImage>();
        foreach (var ollama in model.Resources.OfType<OllamaResource>().OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            var variables = await EvaluateEnvironmentAsync(ollama, context, cancellationToken);
            var imageAnnotation = ollama.Annotations.OfType<ContainerImageAnnotation>().Single();
            var image = new ExternalImage($"{imageAnnotation.Registry}/{imageAnnotation.Image}:{imageAnnotation.Tag}");
            externalImages.Add(image);
            var environmentVariables = new List<KeyValuePair<string, string>>();
            foreach (var (key, value) in variables.OrderBy(v => v.Key, StringComparer.Ordinal))
            {
                environmentVariables.Add(new(key, await RenderAsync(value, cancellationToken)));
            }

            workloads.Add(new WorkloadPlan(
                ollama.Name,
                WorkloadKind.ModelServer,
                image.InRegistry,
                [new PortPlan("http", DeploymentConventions.OllamaPort, OnService: true)],
                environmentVariables,
                PoolOf(ollama),
                ollama.Annotations.OfType<KubernetesScalingAnnotation>().LastOrDefault(),
                ollama.Annotations.OfType<KubernetesResourcesAnnotation>().LastOrDefault() ?? new("1", "4Gi", "2", "8Gi"),
                [.. ollama.Models.Select(m => new ModelPlan(m, imageAnnotation.Tag!))],
                Identity: null,
                External: false,
                Callers: [],
                CronJobs: []));
        }

        // The shared store: an in-cluster Redis, ephemeral (counters, queues and reply logs that lapse within minutes).
        foreach (var redis in model.Resources.OfType<RedisResource>().OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            var imageAnnotation = redis.Annotations.OfType<ContainerImageAnnotation>().Single();
            var image = new ExternalImage($"{imageAnnotation.Registry}/{imageAnnotation.Image}:{imageAnnotation.Tag}");
            externalImages.Add(image);

            // Its password is a vault secret (the API reads the same one): the pod reads it as its own identity, which
            // may read that secret and nothing else.
            var password = vaults.SelectMany(v => v.Secrets).SingleOrDefault(s => ReferenceEquals(s.Value, redis.PasswordParameter))
                ?? throw new InvalidOperationException($"The store '{redis.Name}' must take its password from a Key Vault secret (AddSecret with the parameter passed to AddRedis), so that the API and the store's pod read the same one.");
            var storeIdentity = new IdentityPlan(redis.Name, environment.Namespace, redis.Name);
            identities.Add(storeIdentity);
            roles.Add(new RoleAssignmentPlan(storeIdentity.Name, "keyVaultSecret", BuiltInRole.KeyVaultSecretsUser, password.SecretName));
            workloads.Add(new WorkloadPlan(
                redis.Name,
                WorkloadKind.Store,
                image.InRegistry,
                [new PortPlan("redis", DeploymentConventions.RedisPort, OnService: true)],
                Environment: [],
                PoolOf(redis),
                Scaling: null,
                redis.Annotations.OfType<KubernetesResourcesAnnotation>().LastOrDefault() ?? new("100m", "128Mi", "1", "512Mi"),
                Models: [],
                Identity: storeIdentity,
                External: false,
                Callers: [],
                CronJobs: [])
            { PasswordSecret = password.SecretName });
        }

        if (pools.Any(p => p.IsGpu))
        {
            externalImages.Add(new ExternalImage(ClusterImageTags.NvidiaDevicePlugin));
            externalImages.Add(new ExternalImage(ClusterImageTags.DcgmExporter));
        }

        if (workloads.Any(w => w.Models.Count > 0))
        {
            externalImages.Add(new ExternalImage(ClusterImageTags.Busybox));
        }

        // KEDA queries managed Prometheus with its own identity when any workload scales on a Prometheus trigger.
        if (workloads.Any(w => w.Scaling?.PrometheusTriggers.Count > 0))
        {
            identities.Add(new IdentityPlan(DeploymentConventions.KedaIdentity, DeploymentConventions.KedaNamespace, DeploymentConventions.KedaServiceAccount));
            roles.Add(new RoleAssignmentPlan(DeploymentConventions.KedaIdentity, "monitorWorkspace", BuiltInRole.MonitoringDataReader));
        }

        // The Gateway's identity reads the TLS certificate's secret; the postprovision hook grants that role once the
        // certificate exists, by the identity's principal id.
        if (workloads.Any(w => w.IngressPaths.Count > 0))
        {
            identities.Add(new IdentityPlan(DeploymentConventions.GatewayIdentity, DeploymentConventions.GatewayNamespace, DeploymentConventions.GatewayServiceAccount, PrincipalIdOutput: true));
        }

        workloads = [.. workloads.Select(w => w with { Callers = callers.TryGetValue(w.Name, out var list) ? [.. list.Distinct().Order(StringComparer.Ordinal)] : [] })];

        var secrets = model.Resources.OfType<AzureKeyVaultSecretResource>()
            .OrderBy(s => s.SecretName, StringComparer.Ordinal)
            .Select(s => new SecretPlan(s.SecretName, AzdEnvironment.Normalize(s.Value.Name), s.Value.Default is GenerateParameterDefault))
            .ToList();

        return new DeploymentPlan(
            environment.Namespace,
            environment.SystemVmSize,
            pools,
            workloads,
            identities,
            [.. roles.Distinct()],
            secrets,
            [.. externalImages.Distinct()],
            [.. model.Resources.OfType<AzureBlobStorageContainerResource>().Select(c => c.BlobContainerName).Distinct().Order(StringComparer.Ordinal)],
            [.. vaults.SelectMany(v => v.Keys).Select(k => k.KeyName).Distinct().Order(StringComparer.Ordinal)],
            [.. model.Resources.OfType<AzureBlobStorageContainerResource>().Where(c => c.ImmutableDays is not null)
                .Select(c => new ImmutableContainerPlan(c.BlobContainerName, c.ImmutableDays!.Value, c.ProtectedAppendWrites)).OrderBy(c => c.Name, StringComparer.Ordinal)]);
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
    /// (filled from the Bicep outputs and the hooks) for parameters and Azure resources.
    /// </summary>
    private static async Task<string> RenderAsync(object value, CancellationToken cancellationToken) => value switch
    {
        string text => text,
        ParameterResource parameter => AzdEnvironment.Reference(AzdEnvironment.Parameter(parameter.Name)),
        ConnectionStringReference { Resource: OllamaModelResource model } => $"Endpoint=http://{model.Parent.Name}:{DeploymentConventions.OllamaPort};Model={model.ModelName}",
        ConnectionStringReference { Resource: AzureTableStorageResource } => AzdEnvironment.Reference(AzdEnvironment.TablesEndpoint),
        ConnectionStringReference { Resource: RedisResource redis } => $"{redis.Name}:{DeploymentConventions.RedisPort}",
        ConnectionStringReference reference => throw new NotSupportedException($"No deployment form for the connection string of '{reference.Resource.Name}'."),
        EndpointReference endpoint => $"http://{endpoint.Resource.Name}:{PortOf(endpoint.Resource, endpoint.EndpointName)}",
        EndpointReferenceExpression { Property: EndpointProperty.TargetPort or EndpointProperty.Port } expression => PortOf(expression.Endpoint.Resource, expression.Endpoint.EndpointName).ToString(CultureInfo.InvariantCulture),
        EndpointReferenceExpression { Property: EndpointProperty.Host } expression => expression.Endpoint.Resource.Name,
        EndpointReferenceExpression { Property: EndpointProperty.HostAndPort } expression => $"{expression.Endpoint.Resource.Name}:{PortOf(expression.Endpoint.Resource, expression.Endpoint.EndpointName)}",
        EndpointReferenceExpression { Property: EndpointProperty.Url } expression => $"http://{expression.Endpoint.Resource.Name}:{PortOf(expression.Endpoint.Resource, expression.Endpoint.EndpointName)}",
        ReferenceExpression expression => await RenderExpressionAsync(expression, cancellationToken),
        EndpointReferenceExpression other => throw new NotSupportedException($"No deployment form for the {other.Property} of {other.Endpoint.Resource.Name}'s {other.Endpoint.EndpointName} endpoint."),
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
        (OllamaResource, _) => DeploymentConventions.OllamaPort,
        (RedisResource, _) => DeploymentConventions.RedisPort,
        (_, "metrics") => DeploymentConventions.MetricsPort,
        _ => DeploymentConventions.HttpPort,
    };
}
