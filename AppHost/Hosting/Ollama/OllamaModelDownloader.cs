using Microsoft.Extensions.Logging;
using OllamaSharp;
using OllamaSharp.Models;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Pulls a model once its server is ready, reporting "Downloading {model} {n} percent" as the
/// resource state in the dashboard, then marks the model resource running (its health check
/// decides when it is healthy).
/// </summary>
internal static class OllamaModelDownloader
{
    public static async Task EnsureModelAsync(OllamaModelResource model, ResourceNotificationService notifications, ILogger logger, CancellationToken cancellationToken)
    {
        var endpoint = await model.Parent.UriExpression.GetValueAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The endpoint of '{model.Parent.Name}' is not allocated.");

        // A pull of several GB can take far longer than any sane request timeout; the token bounds it.
        using var client = OllamaUtilities.CreateClient(endpoint, Timeout.InfiniteTimeSpan);

        try
        {
            if (await OllamaUtilities.ModelExistsAsync(client, model.ModelName, cancellationToken).ConfigureAwait(false))
            {
                logger.LogInformation("Model {Model} is already present on {Endpoint}.", model.ModelName, endpoint);
            }
            else
            {
                await PullAsync(model, client, notifications, logger, cancellationToken).ConfigureAwait(false);
            }

            await notifications.PublishUpdateAsync(model, state => state with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = state.StartTimeStamp ?? DateTime.UtcNow,
            }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError(ex, "Could not make model {Model} available on {Endpoint}.", model.ModelName, endpoint);
            await notifications.PublishUpdateAsync(model, state => state with
            {
                State = new ResourceStateSnapshot($"Failed to download {model.ModelName}: {ex.Message}", KnownResourceStateStyles.Error),
            }).ConfigureAwait(false);
        }
    }

    private static async Task PullAsync(OllamaModelResource model, IOllamaApiClient client, ResourceNotificationService notifications, ILogger logger, CancellationToken cancellationToken)
    {
        logger.LogInformation("Pulling model {Model}.", model.ModelName);
        var lastPercent = -1L;
        string? lastStatus = null;

        await foreach (var progress in client.PullModelAsync(new PullModelRequest { Model = model.ModelName, Stream = true }, cancellationToken).ConfigureAwait(false))
        {
            if (progress is null)
            {
                continue;
            }

            if (progress.Total > 0)
            {
                var percent = (long)Math.Floor(progress.Completed * 100.0 / progress.Total);
                if (percent != lastPercent)
                {
                    lastPercent = percent;
                    await notifications.PublishUpdateAsync(model, state => state with
                    {
                        State = new ResourceStateSnapshot($"Downloading {model.ModelName} {percent} percent", KnownResourceStateStyles.Info),
                    }).ConfigureAwait(false);
                }
            }

            if (!string.Equals(progress.Status, lastStatus, StringComparison.Ordinal))
            {
                lastStatus = progress.Status;
                logger.LogInformation("{Model}: {Status}", model.ModelName, progress.Status);
            }
        }

        if (!string.Equals(lastStatus, "success", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"The pull of {model.ModelName} ended without 'success' (last status: '{lastStatus ?? "none"}').");
        }
    }
}
