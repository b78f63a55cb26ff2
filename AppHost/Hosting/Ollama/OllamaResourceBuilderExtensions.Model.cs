using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OllamaSharp;

namespace Aspire.Hosting;

public static partial class OllamaResourceBuilderExtensions
{
    /// <summary>Adds a model named after the model (<c>:</c>, <c>/</c> and <c>.</c> become <c>-</c>).</summary>
    /// <param name="builder">The Ollama resource builder.</param>
    /// <param name="modelName">The model and tag, for example <c>qwen2.5:0.5b-instruct-q4_K_M</c>.</param>
    /// <returns>The model resource builder.</returns>
    public static IResourceBuilder<OllamaModelResource> AddModel(this IResourceBuilder<IOllamaResource> builder, string modelName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        var name = $"{builder.Resource.Name}-{new string([.. modelName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')])}".TrimEnd('-');
        while (name.Contains("--", StringComparison.Ordinal))
        {
            name = name.Replace("--", "-", StringComparison.Ordinal);
        }

        return builder.AddModel(name, modelName);
    }

    /// <summary>
    /// Adds a model as a child resource with the connection string <c>Endpoint=...;Model=...</c>. The pull starts
    /// when the server is ready and shows "Downloading {model} {n} percent" as the resource state; the resource is
    /// healthy only once the server lists the model. Dashboard commands: redownload, delete, show info, unload.
    /// </summary>
    /// <param name="builder">The Ollama resource builder.</param>
    /// <param name="name">The resource name: the connection string name consumers use.</param>
    /// <param name="modelName">The model and tag, for example <c>qwen2.5:0.5b-instruct-q4_K_M</c>.</param>
    /// <returns>The model resource builder.</returns>
    public static IResourceBuilder<OllamaModelResource> AddModel(this IResourceBuilder<IOllamaResource> builder, string name, string modelName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);

        var appBuilder = builder.ApplicationBuilder;
        builder.Resource.AddModel(modelName);
        var model = new OllamaModelResource(name, modelName, builder.Resource);

        var healthCheckKey = $"{name}_check";
        appBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey,
            _ => new OllamaModelHealthCheck(model),
            failureStatus: HealthStatus.Unhealthy,
            tags: null));

        // The pull runs in the background: a ready-event handler that blocked for a multi-GB download
        // would hold up the rest of the app's start.
        appBuilder.Eventing.Subscribe<ResourceReadyEvent>(builder.Resource, (e, cancellationToken) =>
        {
            var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
            var logger = e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(model);
            CancellationToken stopping = e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            _ = Task.Run(() => OllamaModelDownloader.EnsureModelAsync(model, notifications, logger, stopping), stopping);
            return Task.CompletedTask;
        });

        return appBuilder.AddResource(model)
            .WithParentRelationship(builder)
            .WithIconName("Box")
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "OllamaModel",
                State = KnownResourceStates.Waiting,
                Properties = [new("Model", modelName)],
            })
            .WithHealthCheck(healthCheckKey)
            .WithModelCommands();
    }

    private static IResourceBuilder<OllamaModelResource> WithModelCommands(this IResourceBuilder<OllamaModelResource> builder)
    {
        var model = builder.Resource;

        ResourceCommandState EnabledWhenRunning(UpdateCommandStateContext context) =>
            context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled;

        async Task<ExecuteCommandResult> WithClientAsync(ExecuteCommandContext context, Func<IOllamaApiClient, Task<ExecuteCommandResult>> action)
        {
            var endpoint = await model.Parent.UriExpression.GetValueAsync(context.CancellationToken).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(endpoint))
            {
                return CommandResults.Failure("The Ollama endpoint is not allocated.");
            }

            using var client = OllamaUtilities.CreateClient(endpoint, Timeout.InfiniteTimeSpan);
            try
            {
                return await action(client).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or System.Text.Json.JsonException)
            {
                return CommandResults.Failure(ex.Message);
            }
        }

        return builder
            .WithCommand("redownload-model", "Redownload model", context => WithClientAsync(context, async _ =>
                {
                    var services = context.Services;
                    await OllamaModelDownloader.EnsureModelAsync(
                        model,
                        services.GetRequiredService<ResourceNotificationService>(),
                        services.GetRequiredService<ResourceLoggerService>().GetLogger(model),
                        context.CancellationToken).ConfigureAwait(false);
                    return CommandResults.Success();
                }),
                new CommandOptions { UpdateState = EnabledWhenRunning, IconName = "ArrowDownload", Description = "Pull the model again." })
            .WithCommand("delete-model", "Delete model", context => WithClientAsync(context, async client =>
                {
                    await client.DeleteModelAsync(model.ModelName, context.CancellationToken).ConfigureAwait(false);
                    return CommandResults.Success();
                }),
                new CommandOptions { UpdateState = EnabledWhenRunning, IconName = "Delete", ConfirmationMessage = $"Delete {model.ModelName} from the server?" })
            .WithCommand("model-info", "Show model information", context => WithClientAsync(context, async client =>
                {
                    var info = await client.ShowModelAsync(model.ModelName, context.CancellationToken).ConfigureAwait(false);
                    context.Logger.LogInformation("{Model}: family {Family}, parameters {Parameters}, quantization {Quantization}",
                        model.ModelName, info.Details?.Family, info.Details?.ParameterSize, info.Details?.QuantizationLevel);
                    return CommandResults.Success();
                }),
                new CommandOptions { UpdateState = EnabledWhenRunning, IconName = "Info" })
            .WithCommand("unload-model", "Unload model", context => WithClientAsync(context, async client =>
                {
                    await client.RequestModelUnloadAsync(model.ModelName, context.CancellationToken).ConfigureAwait(false);
                    return CommandResults.Success();
                }),
                new CommandOptions { UpdateState = EnabledWhenRunning, IconName = "ArrowUpload", Description = "Free the model's memory until the next request." });
    }
}
