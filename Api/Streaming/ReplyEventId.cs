using System.Globalization;

namespace Api.Streaming;

/// <summary>
/// An SSE event's id: the reply and the event's place in it (<c>{replyId}:{index}</c>). A client that reconnects
/// sends the last one it saw as <c>Last-Event-ID</c> and gets the events after it.
/// </summary>
public readonly record struct ReplyEventId(string ReplyId, int Index)
{
    public override string ToString() => $"{ReplyId}:{Index.ToString(CultureInfo.InvariantCulture)}";

    public static bool TryParse(string? text, out ReplyEventId id)
    {
        id = default;
        if (string.IsNullOrWhiteSpace(text) || text.Split(':') is not [var reply, var index]
            || !ReplyIds.IsValid(reply) || !int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }

        id = new ReplyEventId(reply, n);
        return true;
    }
}

/// <summary>Reply ids: 32 lowercase hex digits.</summary>
public static class ReplyIds
{
    public static string New() => Guid.NewGuid().ToString("N");

    public static bool IsValid(string? id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);
}
