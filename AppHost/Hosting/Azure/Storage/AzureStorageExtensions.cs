using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>
/// Azure Storage hosting with the shape of Aspire.Hosting.Azure.Storage (not served on this project's
/// registry): <c>AddAzureStorage(name).RunAsEmulator()</c> and <c>AddTables(name)</c>.
/// </summary>
public static class AzureStorageExtensions
{
    /// <summary>
    /// Adds a storage account. In publish mode its name comes from the parameter <c>{name}-account-name</c>,
    /// which the deployment fills from its outputs.
    /// </summary>
    /// <param name="builder">The distributed application builder.</param>
    /// <param name="name">The resource name.</param>
    /// <returns>The storage resource builder.</returns>
    public static IResourceBuilder<AzureStorageResource> AddAzureStorage(this IDistributedApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        var accountName = builder.ExecutionContext.IsPublishMode
            ? builder.AddParameter($"{name}-account-name").Resource
            : new ParameterResource($"{name}-account-name", _ => StorageEmulatorContainerImageTags.DevelopmentAccountName);

        return builder.AddResource(new AzureStorageResource(name, accountName))
            .WithIconName("DatabaseStack")
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "Azure Storage",
                State = KnownResourceStates.NotStarted,
                Properties = [],
            })
            .OnInitializeResource(async (storage, e, _) =>
                await e.Notifications.PublishUpdateAsync(storage, state => state with
                {
                    ResourceType = storage.IsEmulator ? "Azure Storage (Azurite)" : "Azure Storage",
                    State = KnownResourceStates.Running,
                    StartTimeStamp = DateTime.UtcNow,
                }).ConfigureAwait(false));
    }

    /// <summary>
    /// In run mode, backs the account with Azurite's table service: the pinned container when a container
    /// runtime answers, else the npm package under Node.js (installed by the AppHost build). No effect in publish mode.
    /// </summary>
    /// <param name="builder">The storage resource builder.</param>
    /// <param name="configure">Runtime and data directory.</param>
    /// <returns>The storage resource builder.</returns>
    public static IResourceBuilder<AzureStorageResource> RunAsEmulator(this IResourceBuilder<AzureStorageResource> builder, Action<AzuriteOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var appBuilder = builder.ApplicationBuilder;
        if (!appBuilder.ExecutionContext.IsRunMode)
        {
            return builder;
        }

        var options = new AzuriteOptions();
        configure?.Invoke(options);

        var useContainer = options.Runtime switch
        {
            AzuriteRuntime.Container => true,
            AzuriteRuntime.Executable => false,
            _ => ContainerRuntimeProbe.IsAvailable(appBuilder),
        };

        var emulatorName = $"{builder.Resource.Name}-azurite";
        var dataDirectory = options.DataDirectory is null ? null : Path.GetFullPath(options.DataDirectory, appBuilder.AppHostDirectory);

        if (useContainer)
        {
            var container = appBuilder.AddResource(new AzuriteContainerResource(emulatorName))
                .WithImage(StorageEmulatorContainerImageTags.Image, StorageEmulatorContainerImageTags.Tag)
                .WithImageRegistry(StorageEmulatorContainerImageTags.Registry)
                .WithEntrypoint("azurite-table")
                .WithArgs("--tableHost", "0.0.0.0", "--skipApiVersionCheck", "--loose", "--disableTelemetry")
                .WithHttpEndpoint(targetPort: StorageEmulatorContainerImageTags.TablePort, name: AzuriteContainerResource.TableEndpointName)
                .WithParentRelationship(builder);
            if (dataDirectory is not null)
            {
                Directory.CreateDirectory(dataDirectory);
                container.WithBindMount(dataDirectory, "/data").WithArgs("--location", "/data");
            }
            else
            {
                container.WithArgs("--inMemoryPersistence");
            }

            builder.Resource.Emulator = container.Resource;
        }
        else
        {
            var script = Path.Combine(appBuilder.AppHostDirectory, "node_modules", "azurite", "dist", "src", "table", "main.js");
            if (!File.Exists(script))
            {
                throw new InvalidOperationException(
                    $"Azurite is not installed at '{script}'. Building the AppHost runs 'npm ci' in '{appBuilder.AppHostDirectory}'; run that build (or 'npm ci' there) first.");
            }

            var resource = new AzuriteExecutableResource(emulatorName, dataDirectory ?? appBuilder.AppHostDirectory);
            var executable = appBuilder.AddResource(resource)
                .WithHttpEndpoint(name: AzuriteContainerResource.TableEndpointName, isProxied: false)
                .WithArgs(context =>
                {
                    context.Args.Add(script);
                    context.Args.Add("--tableHost");
                    context.Args.Add("127.0.0.1");
                    context.Args.Add("--tablePort");
                    context.Args.Add(resource.TableEndpoint.Property(EndpointProperty.TargetPort));
                    context.Args.Add("--skipApiVersionCheck");
                    context.Args.Add("--loose");
                    context.Args.Add("--disableTelemetry");
                    if (dataDirectory is null)
                    {
                        context.Args.Add("--inMemoryPersistence");
                    }
                    else
                    {
                        context.Args.Add("--location");
                        context.Args.Add(dataDirectory);
                    }
                })
                .WithParentRelationship(builder);
            if (dataDirectory is not null)
            {
                Directory.CreateDirectory(dataDirectory);
            }

            builder.Resource.Emulator = executable.Resource;
        }

        return builder;
    }

    /// <summary>
    /// Grants <paramref name="builder"/>'s identity <paramref name="roles"/> on <paramref name="storage"/> when deployed
    /// (the shape of Aspire's <c>WithRoleAssignments</c>); run mode uses the emulator and ignores it.
    /// </summary>
    public static IResourceBuilder<T> WithRoleAssignments<T>(this IResourceBuilder<T> builder, IResourceBuilder<AzureStorageResource> storage, params Azure.StorageBuiltInRole[] roles)
        where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(storage);
        return builder.WithAnnotation(new StorageRoleAssignmentAnnotation(storage.Resource, roles));
    }

    /// <summary>
    /// Grants <paramref name="builder"/>'s identity <paramref name="roles"/> on one blob container only when deployed:
    /// a key ring or a backup area that no other workload can read or write. Run mode ignores it.
    /// </summary>
    public static IResourceBuilder<T> WithRoleAssignments<T>(this IResourceBuilder<T> builder, IResourceBuilder<AzureBlobStorageContainerResource> container, params Azure.StorageBuiltInRole[] roles)
        where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(container);
        return builder.WithAnnotation(new StorageRoleAssignmentAnnotation(container.Resource.Parent, roles, container.Resource));
    }

    /// <summary>Adds a blob container to the account, created with it when deployed.</summary>
    /// <param name="builder">The storage resource builder.</param>
    /// <param name="name">The resource name.</param>
    /// <param name="blobContainerName">The container's name in the account; the resource name when omitted.</param>
    /// <returns>The container resource builder.</returns>
    public static IResourceBuilder<AzureBlobStorageContainerResource> AddBlobContainer(this IResourceBuilder<AzureStorageResource> builder, string name, string? blobContainerName = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.ApplicationBuilder.AddDeployedItem(new AzureBlobStorageContainerResource(name, blobContainerName ?? name, builder.Resource), builder, "Folder", "Azure Blob container", []);
    }

    /// <summary>
    /// Makes a container's blobs write-once when deployed: each version can be neither changed nor deleted for
    /// <paramref name="days"/> days after it is written, by anyone, whatever their role (Azure Storage's version-level
    /// immutability with a default time-based retention policy). With <paramref name="appendWrites"/>, blocks may
    /// still be appended to append blobs (an append-only log). Run mode has no such policy.
    /// </summary>
    public static IResourceBuilder<AzureBlobStorageContainerResource> WithImmutability(this IResourceBuilder<AzureBlobStorageContainerResource> builder, int days, bool appendWrites = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(days, 146000);
        builder.Resource.ImmutableDays = days;
        builder.Resource.ProtectedAppendWrites = appendWrites;
        return builder;
    }

    /// <summary>
    /// Adds the account's table service. Its connection string is Azurite's in run mode and
    /// <c>https://{account}.table.core.windows.net/</c> in publish mode; it is healthy once the service answers.
    /// </summary>
    /// <param name="builder">The storage resource builder.</param>
    /// <param name="name">The resource name: the connection string name consumers use.</param>
    /// <returns>The tables resource builder.</returns>
    public static IResourceBuilder<AzureTableStorageResource> AddTables(this IResourceBuilder<AzureStorageResource> builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        var tables = new AzureTableStorageResource(name, builder.Resource);
        var healthCheckKey = $"{name}_check";
        builder.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey,
            _ => new AzureTableStorageHealthCheck(tables),
            failureStatus: HealthStatus.Unhealthy,
            tags: null));

        return builder.ApplicationBuilder.AddResource(tables)
            .WithParentRelationship(builder)
            .WithIconName("Table")
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "Azure Tables",
                State = KnownResourceStates.NotStarted,
                Properties = [],
            })
            .WithHealthCheck(healthCheckKey)
            .OnInitializeResource(async (resource, e, _) =>
                await e.Notifications.PublishUpdateAsync(resource, state => state with
                {
                    State = KnownResourceStates.Running,
                    StartTimeStamp = DateTime.UtcNow,
                }).ConfigureAwait(false));
    }
}
