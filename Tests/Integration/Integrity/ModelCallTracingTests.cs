using System.Collections.Concurrent;
using System.Diagnostics;
using Tests.TestDoubles.Ollama;

namespace Tests.Integration.Integrity;

/// <summary>Each model call is one span with the GenAI attributes, and nothing per token.</summary>
[Collection(IntegrityCollection.Name)]
public sealed class ModelCallTracingTests(IntegrityApi api)
{
    [Fact]
    public async Task Chat_OneSpanPerModelCall_WithModelUsageAndFinishReason()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Api.Llm.LlmMetrics.MeterName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var session = api.Session();
        var id = await session.CreateConversationAsync("traced");
        api.Ollama.DefaultScript = OllamaDoubleScript.Reply("one", " two", " three") with { PromptEvalCount = 21 };

        var result = await session.ChatAsync(id, new { content = "trace this" });

        Assert.NotNull(result.Done);
        var span = Assert.Single(spans, s => s.GetTagItem("llm.backend") as string == AppFixture.Model && s.Events.Any());
        Assert.Equal($"chat {AppFixture.Tag}", span.DisplayName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal(AppFixture.Tag, span.GetTagItem("gen_ai.request.model"));
        Assert.Equal(21, span.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(3, span.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal(["stop"], (string[])span.GetTagItem("gen_ai.response.finish_reasons")!);
        Assert.Equal(["gen_ai.first_token"], span.Events.Select(e => e.Name));
    }
}
