using System.Text.Json;

namespace StreamBench;

/// <summary>
/// The top frames of a sampled thread-time profile (dotnet-trace's <c>dotnet-sampled-thread-time</c>, converted to
/// Speedscope), counting only the time a thread was running managed code (the converter's <c>CPU_TIME</c> leaf): the
/// waits that dominate a thread-time profile (idle pool threads, timers) are left out, so what remains is where the
/// CPU went. Inclusive: the share of that time each frame was on the stack.
/// </summary>
public static class ProfileFrames
{
    public static IReadOnlyList<(string Frame, double Share)> Inclusive(string speedscopeFile, int top, Func<string, bool> keep)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(speedscopeFile));
        var frames = document.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString() ?? "?").ToArray();
        var inclusive = new Dictionary<int, double>();
        double busy = 0;
        foreach (var profile in document.RootElement.GetProperty("profiles").EnumerateArray())
        {
            var stack = new List<int>();
            double? last = null;
            foreach (var e in profile.GetProperty("events").EnumerateArray())
            {
                var at = e.GetProperty("at").GetDouble();
                if (last is { } since && stack.Count > 0 && frames[stack[^1]] == "CPU_TIME")
                {
                    var spent = at - since;
                    busy += spent;
                    foreach (var frame in stack.Distinct())
                    {
                        inclusive[frame] = inclusive.GetValueOrDefault(frame) + spent;
                    }
                }

                last = at;
                if (e.GetProperty("type").GetString() == "O")
                {
                    stack.Add(e.GetProperty("frame").GetInt32());
                }
                else if (stack.Count > 0)
                {
                    stack.RemoveAt(stack.Count - 1);
                }
            }
        }

        return busy == 0 ? [] : [.. inclusive.Where(f => keep(frames[f.Key])).OrderByDescending(f => f.Value).Take(top).Select(f => (frames[f.Key], f.Value / busy))];
    }
}
