using Api.Llm;
using AppHost.Deployment;

namespace AppHost;

/// <summary>
/// The PromQL that KEDA scales on: LLM requests running or waiting in the API's replicas of this cluster. Ollama has
/// no metrics of its own, so demand is what the API publishes (<see cref="LlmMetricNames"/>, defined once with the
/// API). Every selector names the cluster: several clusters may write to one Azure Monitor workspace.
/// </summary>
internal static class LlmScaling
{
    /// <summary>Requests in flight plus queued, for one backend, or for all when <paramref name="backend"/> is null.</summary>
    public static string Demand(string? backend = null)
    {
        var selector = $"cluster=\"{AzdEnvironment.Reference(AzdEnvironment.ClusterName)}\"";
        if (backend is not null)
        {
            selector += $", {LlmMetricNames.BackendTag}=\"{backend}\"";
        }

        return $"sum({LlmMetricNames.Prometheus(LlmMetricNames.RequestsInFlight)}{{{selector}}}) + sum({LlmMetricNames.Prometheus(LlmMetricNames.RequestsQueued)}{{{selector}}})";
    }
}
