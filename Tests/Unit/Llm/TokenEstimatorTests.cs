using Api.Llm;
using Microsoft.Extensions.AI;
using Microsoft.ML.Tokenizers;

namespace Tests.Unit.Llm;

/// <summary>
/// The API's token count against two real byte-level BPE tokenizers (OpenAI's cl100k_base and o200k_base): on text of
/// every kind a prompt carries, it never counts fewer tokens than either, so what it lets through fits the window.
/// Before: characters/4, which counted a Chinese paragraph at a quarter of its tokens.
/// </summary>
public sealed class TokenEstimatorTests
{
    private static readonly Lazy<Tokenizer[]> Oracles = new(() =>
        [TiktokenTokenizer.CreateForEncoding("cl100k_base"), TiktokenTokenizer.CreateForEncoding("o200k_base")]);

    /// <summary>The API's budget below the model's window (Llm:ContextTokenBudget 6,000 of OLLAMA_CONTEXT_LENGTH 8,192).</summary>
    private const double WindowMargin = 8192.0 / 6000;

    public static TheoryData<string, string> Ordinary => new()
    {
        { "English", "The quick brown fox jumps over the lazy dog. Internationalization and localization are often abbreviated, and a well-written sentence rarely needs more than a few tokens per word." },
        { "Chinese", "人工智能是计算机科学的一个分支，它企图了解智能的实质，并生产出一种新的能以人类智能相似的方式做出反应的智能机器，该领域的研究包括机器人、语言识别、图像识别、自然语言处理和专家系统等。" },
        { "Japanese", "人工知能とは、計算機科学の一分野であり、知能の本質を理解しようとするものです。カタカナとひらがなも使われます。東京は日本の首都です。" },
        { "Korean", "인공지능은 컴퓨터 과학의 한 분야로서 인간의 학습능력과 추론능력, 지각능력을 인공적으로 구현하려는 컴퓨터 과학의 세부분야 중 하나이다." },
        { "Russian", "Искусственный интеллект — это свойство интеллектуальных систем выполнять творческие функции, которые традиционно считаются прерогативой человека." },
        { "Greek", "Η τεχνητή νοημοσύνη είναι ο κλάδος της πληροφορικής που ασχολείται με τη σχεδίαση ευφυών υπολογιστικών συστημάτων." },
        { "French", "L'intelligence artificielle est un ensemble de théories et de techniques mises en œuvre en vue de réaliser des machines capables de simuler l'intelligence humaine." },
        { "Arabic", "الذكاء الاصطناعي هو سلوك وخصائص معينة تتسم بها البرامج الحاسوبية، تجعلها تحاكي القدرات الذهنية البشرية وأنماط عملها." },
        { "Hebrew", "בינה מלאכותית היא תחום במדעי המחשב העוסק ביצירת מערכות המסוגלות לבצע משימות הדורשות אינטליגנציה אנושית." },
        { "Hindi", "कृत्रिम बुद्धिमत्ता कंप्यूटर विज्ञान की एक शाखा है जो मशीनों को मनुष्यों की तरह सोचने और सीखने में सक्षम बनाती है।" },
        { "Armenian", "Արհեստական բանականությունը համակարգչային գիտության ճյուղ է, որն ուսումնասիրում է խելացի մեքենաների ստեղծումը:" },
        { "Thai", "ปัญญาประดิษฐ์เป็นสาขาหนึ่งของวิทยาการคอมพิวเตอร์ที่เกี่ยวข้องกับการสร้างเครื่องจักรที่ฉลาด" },
        { "Emoji", "Great job 🎉🎉 see you soon 👋😀😃😄😁 family 👩‍👩‍👧‍👦 flags 🇫🇷🇯🇵 🏳️‍🌈 done ✅" },
        { "Digits", "Order 31415926535 shipped on 2026-12-07 at 14:35:09; total 1,234,567.89 EUR, tracking 0042-7781-9930." },
        { "C#", "public static int Estimate(string text) => string.IsNullOrEmpty(text) ? 0 : (text.Length + 3) / 4; // {x: [1,2,3]}\nforeach (var item in items) { total += item.Count * 2; }" },
        { "JSON arguments", "{\"location\":\"Paris, France\",\"unit\":\"celsius\",\"days\":[1,2,3],\"nested\":{\"a\":null,\"b\":true,\"c\":-12.5e3}}" },
        { "Markdown", "## Results\n\n| Model | Tokens/s |\n|---|---:|\n| qwen2.5 | 41.2 |\n\n- **bold** and _italic_\n- `code`\n\n```bash\nkubectl get pods -n llmchat\n```" },
        { "URL", "See https://learn.microsoft.com/en-us/azure/aks/gpu-cluster?tabs=add-ubuntu-gpu-node-pool#confirm-that-gpus-are-schedulable for details." },
        { "Whitespace", "a    b        c\n\n\n\nd\t\t\te          f\r\n\r\ng" },
        { "Punctuation", "!!!???...,,,;;;:::---___===+++***&&&|||<<<>>>~~~^^^%%%$$$###@@@" },
        { "Glued letters", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqababababababababababababPneumonoultramicroscopicsilicovolcanoconiosis" },
        { "Tag characters", "hidden\U000E0049\U000E0067\U000E006E\U000E006F\U000E0072\U000E0065 text\u200B\u200D\uFEFF" },
    };

    [Theory]
    [MemberData(nameof(Ordinary))]
    public void Ordinary_Text_IsNeverCountedBelowARealTokenizer(string kind, string text)
    {
        var estimate = TokenEstimator.Estimate(text);
        var counts = Oracles.Value.Select(t => t.CountTokens(text)).ToList();

        Assert.True(estimate >= counts.Max(), $"{kind}: estimated {estimate}, cl100k {counts[0]}, o200k {counts[1]}");
    }

    /// <summary>
    /// <see cref="TokenEstimator.MaxCharsPerToken"/> is a true bound: no text counts fewer tokens than its length over it
    /// (the request's size check before the count relies on it), and short words with their spaces reach it.
    /// </summary>
    [Fact]
    public void NoText_CountsFewerTokensThanItsLengthOverMaxCharsPerToken()
    {
        string[] extra = ["data data data data data data data data", "a b c d e f g h i j", "abcd abcd abcd", "              ", "ab ab ab", "abcdabcdabcd abcdabcdabcd"];
        var texts = Ordinary.Select(row => row.Data.Item2).Concat(extra).ToList();

        Assert.All(texts, text => Assert.True(text.Length <= (long)TokenEstimator.Estimate(text) * TokenEstimator.MaxCharsPerToken, $"'{text}': {text.Length} characters, {TokenEstimator.Estimate(text)} tokens"));
        Assert.Equal(8, TokenEstimator.Estimate(string.Concat(Enumerable.Repeat(" data", 8))));
    }

    /// <summary>
    /// Random characters (base64, hex, identifiers) are the one kind a word-based count cannot see: there the count may
    /// fall short, but never by more than the budget's margin below the window.
    /// </summary>
    [Theory]
    [InlineData("aGVsbG8gd29ybGQgdGhpcyBpcyBhIGJhc2U2NCBzdHJpbmcgd2l0aCBzb21lIGxlbmd0aA==QUJDREVGR0hJSktMTU5PUA")]
    [InlineData("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    [InlineData("xK9vQ2mZpL7rT4wB8nH3cY6fJ1dG5sA0eU")]
    public void RandomCharacters_AreCountedWithinTheBudgetsMargin(string text)
    {
        var estimate = TokenEstimator.Estimate(text);
        var most = Oracles.Value.Max(t => t.CountTokens(text));

        Assert.True(estimate * WindowMargin >= most, $"estimated {estimate} (x{WindowMargin:0.00}), a real tokenizer {most}");
    }

    /// <summary>Conservative, not wasteful: English prose is counted at most twice what a real tokenizer makes of it.</summary>
    [Fact]
    public void EnglishProse_IsNotCountedAtMoreThanTwiceItsTokens()
    {
        var prose = string.Concat(Enumerable.Repeat("A personal key acts with its owner's roles and groups as of their last sign-in, and the budget of every group binds it. ", 40));
        var estimate = TokenEstimator.Estimate(prose);
        var real = Oracles.Value.Min(t => t.CountTokens(prose));

        Assert.InRange(estimate, real, 2 * real);
    }

    /// <summary>A message's tool calls are read by the model: their name and arguments count, not just the text.</summary>
    [Fact]
    public void ToolCallArguments_AreCounted()
    {
        var arguments = "{\"query\":\"" + new string('q', 4000) + "\"}";
        var withCall = new ChatMessage(ChatRole.Assistant, [new TextContent(string.Empty), new ToolCallsContent([new ToolCall("call_1", "search", arguments)])]);
        var textOnly = new ChatMessage(ChatRole.Assistant, string.Empty);

        Assert.True(TokenEstimator.EstimateMessage(withCall) - TokenEstimator.EstimateMessage(textOnly) >= Oracles.Value.Max(t => t.CountTokens(arguments)));
    }

    [Fact]
    public void Tools_CountTheirPreambleOnce_AndEachDefinition()
    {
        var tool = new ToolDefinition("get_weather", "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}");

        Assert.Equal(0, TokenEstimator.EstimateTools([]));
        Assert.Equal(TokenEstimator.ToolsPreamble + (2 * TokenEstimator.Estimate(tool.Json)), TokenEstimator.EstimateTools([tool, tool]));
    }
}
