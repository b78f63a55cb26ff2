using System.Security.Cryptography;
using Api.Llm;
using Microsoft.Extensions.Options;

namespace Api.Safety;

/// <summary>
/// The system prompt the model gets: the configured prompt, then the deployment's canary with the instruction never
/// to repeat it. A reply that contains the canary has leaked the system prompt, whatever else it did.
/// </summary>
public sealed class SystemPromptProvider
{
    public SystemPromptProvider(IOptions<LlmOptions> llm, IOptions<SafetyOptions> safety, ILogger<SystemPromptProvider> logger)
    {
        var canary = safety.Value.Canary;
        if (string.IsNullOrWhiteSpace(canary))
        {
            canary = "cnry-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
            logger.LogWarning("Safety:Canary is not configured; using a random canary for this process. Set it (Key Vault secret Safety--Canary) so every replica shares one.");
        }

        Canary = canary.Trim();
        SystemPrompt = $"{llm.Value.SystemPrompt.TrimEnd()}\n\n{CanaryInstruction.Replace("{canary}", Canary, StringComparison.Ordinal)}";
    }

    public string Canary { get; }

    public string SystemPrompt { get; }

    /// <summary>Placed before a user message that the injection detector flagged (policy Flag).</summary>
    public static readonly string InjectionReminder = PromptTexts.Load("injection-reminder.txt");

    /// <summary>Heads the instructions a <c>/v1</c> caller sends (system and developer messages), after ours and ranked below them.</summary>
    public static readonly string CallerInstructions = PromptTexts.Load("caller-instructions.txt");

    private static readonly string CanaryInstruction = PromptTexts.Load("canary-instruction.txt");
}
