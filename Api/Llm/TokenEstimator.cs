namespace Api.Llm;

/// <summary>
/// A tokenizer-free estimate: about four characters per token for English text and code with Llama- and
/// Qwen-family tokenizers, plus a few tokens of chat-template overhead per message. Context trimming only
/// needs to stay under the model's window, not to count exactly, so it rounds up.
/// </summary>
public static class TokenEstimator
{
    public const int PerMessageOverhead = 4;

    public static int Estimate(string text) => string.IsNullOrEmpty(text) ? 0 : (text.Length + 3) / 4;

    public static int EstimateMessage(string text) => Estimate(text) + PerMessageOverhead;
}
