using Web.Services;
using Web.Services.Admin;

namespace Tests.Unit.Web;

/// <summary>What the admin page's charts are drawn from: every day a point, the top lines, each model's slots.</summary>
public sealed class UsageChartsTests
{
    private static readonly DateOnly Day1 = new(2026, 12, 1);

    [Fact]
    public void Timeline_HasAPointForEveryDay_InOrder_ZeroWhereNothingWasUsed_AndAddsUpToTheView()
    {
        var view = View(Day1, Day1.AddDays(3), "day", Line("2026-12-04", 5, 6), Line("2026-12-02", 10, 20));

        var chart = UsageCharts.Timeline(view);

        Assert.Equal(["12-01", "12-02", "12-03", "12-04"], chart.Labels);
        Assert.Equal(["Input tokens", "Output tokens"], chart.Series.Select(s => s.Name));
        Assert.Equal([0, 10, 0, 5], chart.Series[0].Data.Values);
        Assert.Equal([0, 20, 0, 6], chart.Series[1].Data.Values);
        Assert.Equal(41, chart.Total);
        Assert.Equal(chart.Total, chart.Series.Sum(s => s.Data.Values.Sum()));
    }

    [Fact]
    public void Top_DrawsTheFirstTen_InTheViewsOrder_WithLongKeysCut_AndTheirTotal()
    {
        var lines = Enumerable.Range(0, 12).Select(i => Line(i == 0 ? new string('u', 40) : $"user{i}", 100 - i, 1)).ToArray();

        var chart = UsageCharts.Top(View(Day1, Day1, "user", lines));

        Assert.Equal(UsageCharts.TopCount, chart.Labels.Count);
        Assert.Equal(new string('u', 23) + "…", chart.Labels[0]);
        Assert.Equal("user9", chart.Labels[^1]);
        Assert.Equal(lines.Take(10).Sum(l => l.Tokens), chart.Total);
        Assert.Equal(chart.Total, chart.Series.Single().Data.Values.Sum());
    }

    [Fact]
    public void Queues_ShowBusyFreeAndWaiting_PerModel_NeverANegativeFreeCount()
    {
        var models = new ModelsDto(
        [
            Model("chat", new QueueDto(3, 2, 4, 5)),
            Model("embed", new QueueDto(5, 0, 4, null)),
        ], null);

        var chart = UsageCharts.Queues(models);

        Assert.Equal(["chat", "embed"], chart.Labels);
        Assert.Equal([3, 5], chart.Series[0].Data.Values);
        Assert.Equal([1, 0], chart.Series[1].Data.Values);
        Assert.Equal([2, 0], chart.Series[2].Data.Values);
        Assert.Equal(10, chart.Total);
    }

    private static UsageLineDto Line(string key, long prompt, long output) => new(key, 1, 0, prompt, output, 0, 0, 0, 0);

    private static UsageViewDto View(DateOnly from, DateOnly to, string by, params UsageLineDto[] lines) =>
        new(from, to, by, lines, new UsageLineDto("total", lines.Length, 0, lines.Sum(l => l.PromptTokens), lines.Sum(l => l.OutputTokens), 0, 0, 0, 0), "USD", "Standard_NC4as_T4_v3", 0.53m);

    private static ModelDto Model(string name, QueueDto queue) => new(name, name + ":tag", "chat", false, false, null, true, true, "gpu", null, null, null, queue);
}
