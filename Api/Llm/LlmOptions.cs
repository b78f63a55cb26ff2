using System.ComponentModel.DataAnnotations;

namespace Api.Llm;

/// <summary>Bound from <c>Llm</c>.</summary>
public sealed class LlmOptions
{
    public const string SectionName = "Llm";

    /// <summary>The connection string name of the primary model (<c>Endpoint=...;Model=...</c>).</summary>
    public const string PrimaryConnectionName = "chat";

    [Required(AllowEmptyStrings = false)]
    public string SystemPrompt { get; set; } = "You are a helpful assistant.";

    /// <summary>Tokens of context sent to the model (system prompt, history, new message); oldest turns go first.</summary>
    [Range(256, 1_000_000)]
    public int ContextTokenBudget { get; set; } = 6_000;

    /// <summary>The most output tokens a request may ask for.</summary>
    [Range(16, 131_072)]
    public int MaxOutputTokensCap { get; set; } = 2_048;

    [Range(16, 131_072)]
    public int DefaultMaxOutputTokens { get; set; } = 1_024;

    [Range(0.0, 2.0)]
    public double MaxTemperature { get; set; } = 1.5;

    [Range(0.0, 2.0)]
    public double DefaultTemperature { get; set; } = 0.7;

    /// <summary>How long title generation may take before the plain fallback title is used.</summary>
    public TimeSpan TitleTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// Set by the AppHost when it found no Ollama to wire (no container runtime, no <c>ollama</c> on PATH, no
    /// endpoint configured): the API then runs without an LLM and reports this reason.
    /// </summary>
    public string? UnavailableReason { get; set; }
}
