using System.Text.Json;
using Api.Streaming;

namespace Api.Replies;

/// <summary>
/// The SSE events of a reply as its log in the store keeps them: the event's name, a line break, its data as JSON.
/// What a resuming reader writes is byte for byte what the reply's first reader wrote.
/// </summary>
public static class ReplyEntries
{
    public static readonly ReadOnlyMemory<byte> Delta = "delta"u8.ToArray();
    public static readonly ReadOnlyMemory<byte> Done = "done"u8.ToArray();
    public static readonly ReadOnlyMemory<byte> Error = "error"u8.ToArray();

    /// <summary>The event's SSE name and the value its data is.</summary>
    public static (ReadOnlyMemory<byte> Name, object Data) Describe(ChatEvent item) => item switch
    {
        ChatEvent.Delta delta => (Delta, new DeltaEvent(delta.Text)),
        ChatEvent.Done done => (Done, done.Payload),
        ChatEvent.Error error => (Error, error.Problem.ToProblem()),
        _ => throw new ArgumentOutOfRangeException(nameof(item)),
    };

    public static byte[] Encode(ChatEvent item, JsonSerializerOptions json)
    {
        var (name, data) = Describe(item);
        var body = JsonSerializer.SerializeToUtf8Bytes(data, data.GetType(), json);
        var entry = new byte[name.Length + 1 + body.Length];
        name.Span.CopyTo(entry);
        entry[name.Length] = (byte)'\n';
        body.CopyTo(entry.AsSpan(name.Length + 1));
        return entry;
    }

    /// <summary>An entry's name and data; <c>false</c> when it is not one this API wrote.</summary>
    public static bool TrySplit(ReadOnlyMemory<byte> entry, out ReadOnlyMemory<byte> name, out ReadOnlyMemory<byte> data)
    {
        var split = entry.Span.IndexOf((byte)'\n');
        name = split > 0 ? entry[..split] : default;
        data = split > 0 ? entry[(split + 1)..] : default;
        return split > 0;
    }

    /// <summary>Whether an event ends its reply.</summary>
    public static bool IsLast(ReadOnlySpan<byte> name) => name.SequenceEqual(Done.Span) || name.SequenceEqual(Error.Span);
}
