using System.Text;

namespace Web.Services;

/// <summary>
/// Reads Server-Sent Events line by line: an event is complete at its blank line. Remembers the id of the last
/// complete event, which is where a resumed stream goes on from (<c>Last-Event-ID</c>).
/// </summary>
public sealed class SseCursor
{
    private readonly StringBuilder _data = new();
    private string? _event;
    private string? _id;

    /// <summary>The id of the last complete event read.</summary>
    public string? LastEventId { get; private set; }

    /// <summary>Takes one line; returns the event it completes, if it does.</summary>
    public (string Name, string Data)? Read(string line)
    {
        if (line.Length == 0)
        {
            (string, string)? complete = _event is null ? null : (_event, _data.ToString());
            if (_event is not null && _id is not null)
            {
                LastEventId = _id;
            }

            _event = null;
            _id = null;
            _data.Clear();
            return complete;
        }

        if (line.StartsWith("event:", StringComparison.Ordinal))
        {
            _event = line[6..].Trim();
        }
        else if (line.StartsWith("data:", StringComparison.Ordinal))
        {
            _data.Append(line.AsSpan(5).TrimStart());
        }
        else if (line.StartsWith("id:", StringComparison.Ordinal))
        {
            _id = line[3..].Trim();
        }

        return null;
    }
}
