using Api.Usage;

namespace Api.Admin;

/// <summary>What the usage of a period is summed by.</summary>
public enum UsageDimension
{
    Day,
    User,
    Group,
    Key,
    Model,
    Route,
}

/// <summary>One line of a usage view: its key (a day, a user id, a group, a key id, a model or a route) and its sums.</summary>
public sealed record UsageLine(string Key, long Requests, long Failed, long PromptTokens, long OutputTokens, double AdmissionWaitSeconds, double GenerationSeconds, double GpuSeconds, decimal Cost);

/// <summary>The body of <c>GET /api/admin/usage</c>: the lines, largest first (by day: in order), and the period's total.</summary>
public sealed record UsageView(DateOnly From, DateOnly To, string By, IReadOnlyList<UsageLine> Lines, UsageLine Total, string Currency, string GpuNodeSize, decimal GpuNodeHourlyPrice);

/// <summary>
/// The admins' views of usage, from the daily roll-ups only (<see cref="UsageRollups"/>): a period of up to
/// <see cref="MaxDays"/> days reads one partition per day, whatever the number of requests. A request with no key is
/// under <see cref="SignedIn"/>; a user in no group under <see cref="NoGroup"/>; a user in several groups counts in each
/// of them (the groups' lines can add up to more than the total).
/// </summary>
public sealed class UsageReport(UsageRollups rollups, Microsoft.Extensions.Options.IOptions<UsagePricing> pricing)
{
    public const int MaxDays = 92;
    public const string SignedIn = "(signed in)";
    public const string NoGroup = "(no group)";

    public async Task<IReadOnlyList<UsageRollup>> ReadAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var days = Enumerable.Range(0, to.DayNumber - from.DayNumber + 1).Select(from.AddDays).ToList();
        var read = new IReadOnlyList<UsageRollup>[days.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, days.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, token) => read[i] = await rollups.ReadDayAsync(days[i], token));
        return [.. read.SelectMany(r => r)];
    }

    public async Task<UsageView> ViewAsync(DateOnly from, DateOnly to, UsageDimension by, int? top, CancellationToken cancellationToken)
    {
        var rows = await ReadAsync(from, to, cancellationToken);
        var lines = rows
            .SelectMany(r => KeysOf(r, by).Select(key => (Key: key, Row: r)))
            .GroupBy(p => p.Key, StringComparer.Ordinal)
            .Select(g => Line(g.Key, g.Select(p => p.Row)));
        lines = by == UsageDimension.Day
            ? lines.OrderBy(l => l.Key, StringComparer.Ordinal)
            : lines.OrderByDescending(l => l.PromptTokens + l.OutputTokens).ThenBy(l => l.Key, StringComparer.Ordinal);
        if (top is { } n)
        {
            lines = lines.Take(n);
        }

        var prices = pricing.Value;
        return new UsageView(from, to, by.ToString().ToLowerInvariant(), [.. lines], Line("total", rows), prices.Currency, prices.GpuNodeSize, prices.GpuNodeHourlyPrice);
    }

    public UsageLine Line(string key, IEnumerable<UsageRollup> rows)
    {
        long requests = 0, failed = 0, prompt = 0, output = 0, wait = 0, generation = 0, gpu = 0;
        foreach (var r in rows)
        {
            requests += r.Requests;
            failed += r.Failed;
            prompt += r.PromptTokens;
            output += r.OutputTokens;
            wait += r.AdmissionWaitMs;
            generation += r.GenerationMs;
            gpu += r.GpuMs;
        }

        return new UsageLine(key, requests, failed, prompt, output, wait / 1000.0, generation / 1000.0, gpu / 1000.0, pricing.Value.CostOf(gpu / 1000.0));
    }

    private static IEnumerable<string> KeysOf(UsageRollup row, UsageDimension by) => by switch
    {
        UsageDimension.Day => [row.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)],
        UsageDimension.User => [row.UserId],
        UsageDimension.Group => row.Groups.Count > 0 ? row.Groups : [NoGroup],
        UsageDimension.Key => [row.KeyId ?? SignedIn],
        UsageDimension.Model => [row.Model],
        _ => [row.Route],
    };
}
