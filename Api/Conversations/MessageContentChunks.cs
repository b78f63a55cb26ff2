using Azure.Data.Tables;

namespace Api.Conversations;

/// <summary>
/// Table Storage caps a string property at 64 KiB (32 K UTF-16 chars) and an entity at 1 MiB. Message text
/// is split across properties <c>C0..C14</c> of at most 30,000 chars each: up to 450,000 chars per message,
/// about 900 KB, under the entity cap with room for the metadata. Longer text is cut and marked; the API's
/// input cap (16,000 chars) and output-token cap keep real messages far below that.
/// </summary>
internal static class MessageContentChunks
{
    public const int ChunkChars = 30_000;
    public const int MaxChunks = 15;
    public const int MaxChars = ChunkChars * MaxChunks;
    public const string TruncationMarker = "\n\n[truncated: the message exceeded the storage limit]";

    private const string CountProperty = "ContentChunks";

    public static void Write(TableEntity entity, string content)
    {
        if (content.Length > MaxChars)
        {
            content = string.Concat(content.AsSpan(0, MaxChars - TruncationMarker.Length), TruncationMarker);
        }

        var chunks = 0;
        for (var offset = 0; offset < content.Length; offset += ChunkChars)
        {
            var length = Math.Min(ChunkChars, content.Length - offset);
            // Never split a surrogate pair across two properties.
            if (length == ChunkChars && char.IsHighSurrogate(content[offset + length - 1]))
            {
                length--;
            }

            entity[$"C{chunks}"] = content.Substring(offset, length);
            chunks++;
            offset -= ChunkChars - length;
        }

        entity[CountProperty] = chunks;
    }

    public static string Read(TableEntity entity)
    {
        var chunks = entity.GetInt32(CountProperty) ?? 0;
        if (chunks == 0)
        {
            return string.Empty;
        }

        var parts = new string[chunks];
        for (var i = 0; i < chunks; i++)
        {
            parts[i] = entity.GetString($"C{i}") ?? string.Empty;
        }

        return string.Concat(parts);
    }
}
