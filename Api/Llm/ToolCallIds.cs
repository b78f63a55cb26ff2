using System.Security.Cryptography;

namespace Api.Llm;

/// <summary>Ids for tool calls the model server names none for: <c>call_</c> and 24 random letters and digits, as OpenAI's look.</summary>
public static class ToolCallIds
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    public static string New() => "call_" + RandomNumberGenerator.GetString(Alphabet, 24);
}
