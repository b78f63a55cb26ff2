using System.ComponentModel.DataAnnotations;

namespace Api.Safety;

/// <summary>Bound from <c>Safety</c>.</summary>
public sealed class SafetyOptions
{
    public const string SectionName = "Safety";

    /// <summary>
    /// The per-deployment canary placed in the system prompt (Key Vault secret <c>Safety--Canary</c>; an AppHost
    /// parameter in run mode). When absent a random one is made per process, which still catches leaks.
    /// </summary>
    public string? Canary { get; set; }

    /// <summary>What a detected prompt injection does: <c>Flag</c> (log, count, and remind the model) or <c>Block</c> (400).</summary>
    public InjectionPolicy PromptInjection { get; set; } = InjectionPolicy.Flag;

    /// <summary>A reply that repeats this many characters of the system prompt verbatim (whitespace and case aside) is cut.</summary>
    [Range(20, 10_000)]
    public int LeakSpanChars { get; set; } = 60;

    /// <summary>Puts the offending prompt text into security events. Off by default: prompts are user data.</summary>
    public bool LogPromptText { get; set; }
}

public enum InjectionPolicy
{
    Flag,
    Block,
}
