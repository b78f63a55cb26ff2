using System.Globalization;
using MudBlazor;

namespace Web.Services.Admin;

/// <summary>
/// Turns the API's usage views into the charts' labels and series. Every day of the period has a point (a day with no
/// use is a zero, not a gap), and a chart's values add up to the view's total.
/// </summary>
public static class UsageCharts
{
    public const int TopCount = 10;
    private const int MaxLabel = 24;

    public sealed record Chart(IReadOnlyList<string> Labels, List<ChartSeries<double>> Series, long Total);

    /// <summary>Input and output tokens per day, every day of the period in order.</summary>
    public static Chart Timeline(UsageViewDto byDay)
    {
        var lines = byDay.Lines.ToDictionary(l => l.Key, StringComparer.Ordinal);
        var days = Enumerable.Range(0, byDay.To.DayNumber - byDay.From.DayNumber + 1).Select(byDay.From.AddDays).ToList();
        UsageLineDto? On(DateOnly day) => lines.GetValueOrDefault(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        return new Chart(
            [.. days.Select(d => d.ToString("MM-dd", CultureInfo.InvariantCulture))],
            [
                Series("Input tokens", days.Select(d => (double)(On(d)?.PromptTokens ?? 0))),
                Series("Output tokens", days.Select(d => (double)(On(d)?.OutputTokens ?? 0))),
            ],
            byDay.Lines.Sum(l => l.Tokens));
    }

    /// <summary>The largest lines of a view (users, keys or models), by tokens; the total is of the lines drawn.</summary>
    public static Chart Top(UsageViewDto view)
    {
        var lines = view.Lines.Take(TopCount).ToList();
        return new Chart([.. lines.Select(l => Shorten(l.Key))], [Series("Tokens", lines.Select(l => (double)l.Tokens))], lines.Sum(l => l.Tokens));
    }

    /// <summary>Each model's slots now: busy, free, and the requests waiting for one.</summary>
    public static Chart Queues(ModelsDto models)
    {
        var list = models.Models;
        return new Chart(
            [.. list.Select(m => m.Name)],
            [
                Series("Busy slots", list.Select(m => (double)m.Queue.InFlight)),
                Series("Free slots", list.Select(m => (double)Math.Max(0, m.Queue.Capacity - m.Queue.InFlight))),
                Series("Waiting", list.Select(m => (double)m.Queue.Queued)),
            ],
            list.Sum(m => (long)m.Queue.InFlight + m.Queue.Queued));
    }

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static ChartSeries<double> Series(string name, IEnumerable<double> values) => new() { Name = name, Data = new ChartData<double>([.. values]) };

    private static string Shorten(string key) => key.Length <= MaxLabel ? key : key[..(MaxLabel - 1)] + "…";
}
