using Api.Llm;

namespace Tests.Unit.Llm;

public sealed class ModelCatalogueRulesTests
{
    private static Dictionary<string, ModelOptions> Valid() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["chat"] = new() { Default = true, Fallback = "chat-fast", Tools = true },
        ["chat-fast"] = new() { Titles = true },
        ["embed"] = new() { Kind = ModelKind.Embedding, Dimensions = 768 },
    };

    [Fact]
    public void Problem_TheShippedShape_IsNone() => Assert.Null(ModelCatalogueRules.Problem(Valid()));

    [Theory]
    [InlineData("bad-id", "is not a model id")]
    [InlineData("no-default", "exactly one chat model must be the default")]
    [InlineData("two-defaults", "exactly one chat model must be the default")]
    [InlineData("fallback-missing", "falls back to")]
    [InlineData("fallback-other-kind", "falls back to")]
    [InlineData("fallback-itself", "falls back to")]
    [InlineData("two-title-writers", "at most one model writes titles")]
    [InlineData("embedding-without-dimensions", "is an embedding model")]
    [InlineData("embedding-with-tools", "is an embedding model")]
    [InlineData("chat-with-dimensions", "is a chat model")]
    public void Problem_EachBrokenRule_IsNamed(string defect, string expected)
    {
        var catalogue = Valid();
        switch (defect)
        {
            case "bad-id": catalogue["Chat_Big"] = new(); break;
            case "no-default": catalogue["chat"].Default = false; break;
            case "two-defaults": catalogue["chat-fast"].Default = true; break;
            case "fallback-missing": catalogue["chat"].Fallback = "nowhere"; break;
            case "fallback-other-kind": catalogue["chat"].Fallback = "embed"; break;
            case "fallback-itself": catalogue["chat"].Fallback = "chat"; break;
            case "two-title-writers": catalogue["chat"].Titles = true; break;
            case "embedding-without-dimensions": catalogue["embed"].Dimensions = null; break;
            case "embedding-with-tools": catalogue["embed"].Tools = true; break;
            case "chat-with-dimensions": catalogue["chat-fast"].Dimensions = 512; break;
        }

        Assert.Contains(expected, ModelCatalogueRules.Problem(catalogue));
    }
}
