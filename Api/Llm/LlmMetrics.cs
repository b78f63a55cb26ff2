using System.Diagnostics.Metrics;

namespace Api.Llm;

/// <summary>
/// The API's LLM metrics, on the meter <c>LlmChat.Api</c>. <c>llm.requests.in_flight</c> and
/// <c>llm.requests.queued</c> are the autoscaling signal (KEDA reads them through Prometheus).
/// </summary>
public sealed class LlmMetrics
{
    public const string MeterName = "LlmChat.Api";

    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _tokensPerSecond;
    private readonly Histogram<double> _admissionWait;
    private readonly Counter<long> _rejections;
    private readonly Counter<long> _outputTokens;
    private readonly Counter<long> _replies;
    private readonly Counter<long> _safetyFlags;

    public LlmMetrics(IMeterFactory meterFactory, LlmBackends backends)
    {
        var meter = meterFactory.Create(MeterName);

        meter.CreateObservableGauge(LlmMetricNames.RequestsInFlight, () => PerRoute(backends, (b, route) => b.Admission.InFlightOn(route)),
            unit: "{request}", description: "LLM streams running now, per backend and route.");
        meter.CreateObservableGauge(LlmMetricNames.RequestsQueued, () => PerRoute(backends, (b, route) => b.Admission.QueuedOn(route)),
            unit: "{request}", description: "LLM requests waiting for a slot, per backend and route.");
        meter.CreateObservableGauge(LlmMetricNames.CircuitBreakerState, () => backends.All.Select(b => new Measurement<int>((int)b.Breaker.State, Tag(b))),
            description: "0 closed, 1 half-open, 2 open.");

        _timeToFirstToken = meter.CreateHistogram<double>("llm.time_to_first_token", unit: "s", description: "Time from the call to the first token.");
        _tokensPerSecond = meter.CreateHistogram<double>("llm.tokens_per_second", unit: "{token}/s", description: "Output tokens per second after the first.");
        _admissionWait = meter.CreateHistogram<double>(LlmMetricNames.AdmissionWait, unit: "s", description: "Time from a model request's first step until it held its model slot.");
        _rejections = meter.CreateCounter<long>("llm.rejections", unit: "{request}", description: "Model requests refused, by reason and route.");
        _outputTokens = meter.CreateCounter<long>("llm.output_tokens", unit: "{token}", description: "Output tokens generated.");
        _replies = meter.CreateCounter<long>("llm.replies", unit: "{reply}", description: "Replies by final status.");
        _safetyFlags = meter.CreateCounter<long>("llm.safety.flags", unit: "{event}", description: "Safety events by kind.");
    }

    /// <summary>One measurement per backend and route: KEDA sums them all, each route's requests counted.</summary>
    private static IEnumerable<Measurement<int>> PerRoute(LlmBackends backends, Func<LlmBackend, string, int> value) =>
        backends.All.SelectMany(b => LlmAdmission.Routes.Select(route => new Measurement<int>(value(b, route),
            new KeyValuePair<string, object?>(LlmMetricNames.BackendTag, b.Name), new KeyValuePair<string, object?>(LlmMetricNames.RouteTag, route))));

    /// <summary>A model request refused, by the catalogue's reason for its error and by route (chat, regenerate, title, openai).</summary>
    public void Rejected(string reason, string route) =>
        _rejections.Add(1, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>(LlmMetricNames.RouteTag, route));

    /// <summary>A model request admitted after <paramref name="wait"/>, by backend and route.</summary>
    public void Admitted(TimeSpan wait, string backend, string route) =>
        _admissionWait.Record(wait.TotalSeconds, new KeyValuePair<string, object?>(LlmMetricNames.BackendTag, backend), new KeyValuePair<string, object?>(LlmMetricNames.RouteTag, route));

    public void SafetyFlag(string kind) => _safetyFlags.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void ReplyFinished(string backend, string status, TimeSpan? firstToken, double? tokensPerSecond, int? outputTokens, string route = LlmMetricNames.ChatRoute)
    {
        var backendTag = new KeyValuePair<string, object?>(LlmMetricNames.BackendTag, backend);
        _replies.Add(1, backendTag, new KeyValuePair<string, object?>("status", status), new KeyValuePair<string, object?>(LlmMetricNames.RouteTag, route));
        if (firstToken is { } ttft)
        {
            _timeToFirstToken.Record(ttft.TotalSeconds, backendTag);
        }

        if (tokensPerSecond is { } rate)
        {
            _tokensPerSecond.Record(rate, backendTag);
        }

        if (outputTokens is > 0)
        {
            _outputTokens.Add(outputTokens.Value, backendTag);
        }
    }

    private static KeyValuePair<string, object?> Tag(LlmBackend backend) => new(LlmMetricNames.BackendTag, backend.Name);
}
