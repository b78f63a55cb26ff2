using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Tests.TestDoubles.Ollama;

/// <summary>What the model read of a chat request: the prompt's tokens, its text, and what Ollama cut to fit it.</summary>
/// <param name="Tokens">The prompt's length in tokens, as the model reads it (after any cut): Ollama's <c>prompt_eval_count</c>.</param>
/// <param name="Seen">The prompt's text as the model reads it.</param>
/// <param name="MessagesDropped">Messages left out from the front (server/prompt.go, chatPrompt).</param>
/// <param name="TokensCut">Tokens cut after the first <c>num_keep</c> (runner/ollamarunner/runner.go, NewSequence).</param>
/// <param name="Refused">Longer than the window with <c>truncate: false</c>: Ollama's 400.</param>
public sealed record OllamaPromptRead(int Tokens, string Seen, int MessagesDropped, int TokensCut, bool Refused);

/// <summary>
/// TEST DOUBLE part: how Ollama 0.17.1 makes a prompt of an <c>/api/chat</c> request for a qwen2.5 model and fits it
/// into the window, so the double refuses and cuts what the real server refuses and cuts.
/// <list type="bullet">
/// <item>The prompt is the model's chat template (ollama.com/library/qwen2.5, template blob eb4402837c78): each
/// message between <c>&lt;|im_start|&gt;role</c> and <c>&lt;|im_end|&gt;</c>, the tools after a preamble in the
/// system block (<c>qwen2.5-tools-preamble.txt</c>), a call as <c>&lt;tool_call&gt;{"name": ..., "arguments": ...}</c>,
/// a tool's answer as a user turn in <c>&lt;tool_response&gt;</c>.</item>
/// <item>Its tokens are counted by a real byte-level BPE, OpenAI's o200k_base (Qwen's own vocabulary is not on this
/// machine; both are byte-level BPEs of 150-200k tokens), the template's two markers one token each as in Qwen's.</item>
/// <item>With <c>truncate</c> absent or true, server/prompt.go chatPrompt leaves out messages from the front, keeping
/// the system messages and the last one, until the prompt fits <c>num_ctx</c>; then runner/ollamarunner/runner.go
/// NewSequence cuts what is still too long after the first <c>num_keep</c> tokens (api/types.go DefaultOptions: 4),
/// which is where the system prompt is.</item>
/// <item>With <c>truncate: false</c>, nothing is left out and NewSequence refuses (<c>errorInputTooLong</c>, "the input
/// length exceeds the context length"), which the chat handler answers with 400 (server/routes.go).</item>
/// </list>
/// </summary>
public static class OllamaPrompt
{
    public const string InputTooLong = "the input length exceeds the context length";

    /// <summary>api/types.go DefaultOptions: NumKeep 4.</summary>
    public const int DefaultNumKeep = 4;

    private const string Start = "<|im_start|>";
    private const string End = "<|im_end|>";

    private static readonly string ToolsPreamble = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestDoubles", "Ollama", "qwen2.5-tools-preamble.txt"));

    private static readonly Lazy<Tokenizer> Bpe = new(() => TiktokenTokenizer.CreateForEncoding(
        "o200k_base", new Dictionary<string, int> { [Start] = 200_300, [End] = 200_301 }));

    /// <summary>A text's length in tokens by the double's real BPE.</summary>
    public static int Count(string text) => Bpe.Value.CountTokens(text);

    /// <summary>Reads a chat request's body as the model would, for a window of <paramref name="numCtx"/> tokens.</summary>
    public static OllamaPromptRead Read(JsonElement body, int numCtx)
    {
        var messages = body.TryGetProperty("messages", out var m) && m.ValueKind == JsonValueKind.Array ? m.EnumerateArray().ToList() : [];
        var tools = body.TryGetProperty("tools", out var t) && t.ValueKind == JsonValueKind.Array ? t.EnumerateArray().ToList() : [];
        var truncate = !body.TryGetProperty("truncate", out var flag) || flag.ValueKind != JsonValueKind.False;
        var options = body.TryGetProperty("options", out var o) && o.ValueKind == JsonValueKind.Object ? o : default;
        if (options.ValueKind == JsonValueKind.Object && options.TryGetProperty("num_ctx", out var ctx) && ctx.TryGetInt32(out var asked) && asked > 0)
        {
            numCtx = asked;
        }

        var numKeep = options.ValueKind == JsonValueKind.Object && options.TryGetProperty("num_keep", out var keep) && keep.TryGetInt32(out var k) ? k : DefaultNumKeep;

        // chatPrompt: from the front, leave messages out (the system ones stay) until the rendered prompt fits.
        var first = 0;
        if (truncate)
        {
            for (var i = 0; i < messages.Count; i++)
            {
                first = i;
                if (Tokens(Render(Kept(messages, i), tools)) <= numCtx)
                {
                    break;
                }
            }
        }

        var prompt = Render(Kept(messages, first), tools);
        var ids = Bpe.Value.EncodeToIds(prompt);
        var dropped = first - messages.Take(first).Count(IsSystem);
        if (ids.Count <= numCtx)
        {
            return new OllamaPromptRead(ids.Count, prompt, dropped, 0, false);
        }

        if (!truncate)
        {
            return new OllamaPromptRead(ids.Count, prompt, dropped, 0, true);
        }

        // NewSequence: keep the first num_keep tokens, leave out what follows them until the rest fits.
        numKeep = Math.Min(numKeep < 0 ? ids.Count : numKeep, numCtx - 1);
        var discard = ids.Count - numCtx;
        var seen = ids.Take(numKeep).Concat(ids.Skip(numKeep + discard)).ToList();
        return new OllamaPromptRead(seen.Count, Bpe.Value.Decode(seen), dropped, discard, false);
    }

    private static int Tokens(string prompt) => Bpe.Value.CountTokens(prompt);

    private static bool IsSystem(JsonElement message) => Role(message) == "system";

    /// <summary>The system messages before <paramref name="first"/>, then every message from it.</summary>
    private static List<JsonElement> Kept(List<JsonElement> messages, int first) =>
        [.. messages.Take(first).Where(IsSystem), .. messages.Skip(first)];

    /// <summary>The qwen2.5 template's prompt for these messages and tools.</summary>
    private static string Render(List<JsonElement> messages, List<JsonElement> tools)
    {
        var prompt = new StringBuilder();
        var system = string.Join("\n\n", messages.Where(IsSystem).Select(Content));
        if (system.Length > 0 || tools.Count > 0)
        {
            prompt.Append(Start).Append("system\n").Append(system);
            if (tools.Count > 0)
            {
                prompt.Append("\n\n").Append(ToolsPreamble.Replace("{tools}", string.Join('\n', tools.Select(t => t.GetRawText())), StringComparison.Ordinal));
            }

            prompt.Append(End).Append('\n');
        }

        foreach (var message in messages.Where(m => !IsSystem(m)))
        {
            switch (Role(message))
            {
                case "tool":
                    prompt.Append(Start).Append("user\n<tool_response>\n").Append(Content(message)).Append("\n</tool_response>").Append(End).Append('\n');
                    break;
                case "assistant":
                    prompt.Append(Start).Append("assistant\n").Append(Content(message));
                    if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
                    {
                        prompt.Append("<tool_call>\n");
                        foreach (var call in calls.EnumerateArray())
                        {
                            var function = call.GetProperty("function");
                            prompt.Append("{\"name\": \"").Append(function.GetProperty("name").GetString()).Append("\", \"arguments\": ")
                                .Append(function.GetProperty("arguments").GetRawText()).Append("}\n");
                        }

                        prompt.Append("</tool_call>");
                    }

                    prompt.Append(End).Append('\n');
                    break;
                default:
                    prompt.Append(Start).Append(Role(message)).Append('\n').Append(Content(message)).Append(End).Append('\n');
                    break;
            }
        }

        return prompt.Append(Start).Append("assistant\n").ToString();
    }

    private static string Role(JsonElement message) => message.TryGetProperty("role", out var role) ? role.GetString() ?? string.Empty : string.Empty;

    private static string Content(JsonElement message) => message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String ? content.GetString()! : string.Empty;
}
