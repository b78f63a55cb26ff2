using System.Diagnostics;

namespace Api.Llm;

/// <summary>
/// One span per model call (OpenTelemetry GenAI conventions: <c>chat {model}</c>, client kind, model, request options,
/// token usage, finish reason, time to first token), started and ended by the gateway: nothing happens per token.
/// </summary>
public static class LlmTelemetry
{
    public static readonly ActivitySource Source = new(LlmMetrics.MeterName);

    public static Activity? StartCall(string backend, string? model, float? temperature, int? maxOutputTokens)
    {
        var activity = Source.StartActivity($"chat {model}", ActivityKind.Client);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag("gen_ai.operation.name", "chat");
        activity.SetTag("gen_ai.system", "ollama");
        activity.SetTag("gen_ai.request.model", model);
        activity.SetTag("gen_ai.request.temperature", temperature);
        activity.SetTag("gen_ai.request.max_tokens", maxOutputTokens);
        activity.SetTag("llm.backend", backend);
        return activity;
    }

    public static void FirstToken(Activity? activity) => activity?.AddEvent(new ActivityEvent("gen_ai.first_token"));

    public static void End(Activity? activity, int? inputTokens, int? outputTokens, string? finishReason, Exception? failure)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("gen_ai.usage.input_tokens", inputTokens);
        activity.SetTag("gen_ai.usage.output_tokens", outputTokens);
        if (finishReason is not null)
        {
            activity.SetTag("gen_ai.response.finish_reasons", new[] { finishReason });
        }

        if (failure is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, failure.GetType().Name);
            activity.SetTag("error.type", failure.GetType().FullName);
        }
    }
}
