using Api.Streaming;

namespace Api.Replies;

/// <summary>One event of a reply for a reader: as this replica produced it (<see cref="Event"/>) or as the log keeps it (<see cref="Entry"/>).</summary>
public readonly record struct ReplyItem(ReplyEventId Id, ChatEvent? Event, ReadOnlyMemory<byte> Entry);
