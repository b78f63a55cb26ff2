using Api.Admin;
using Api.Usage;
using Tests.Deployment;

namespace Tests.Unit.Admin;

public sealed class UsageCsvTests
{
    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1", "'+1")]
    [InlineData("-2", "'-2")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    [InlineData("plain-id_1", "plain-id_1")]
    public void Cell_NeverStartsAFormula_AndQuotesWhatRfc4180Needs(string value, string written) =>
        Assert.Equal(written, UsageCsv.Cell(value));

    [Fact]
    public void Write_OneLinePerRollup_WithTheHeaderFromItsFile_AndTheCostOfItsGpuTime()
    {
        var pricing = new UsagePricing { GpuNodeHourlyPrice = 3.6m };
        var rows = new[]
        {
            new UsageRollup(new DateOnly(2026, 12, 2), "u_b", "b", null, "chat", "chat", ["g1", "g2"], 2, 0, 10, 20, 1500, 4000, 1000),
            new UsageRollup(new DateOnly(2026, 12, 1), "u_a", "=a", "k1", "embed", "embeddings", [], 1, 1, 5, 0, 0, 250, 0),
        };

        var lines = UsageCsv.Write(rows, pricing).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(File.ReadAllText(Path.Combine(Repository.Root, "Api", "Admin", "usage-export-header.csv")).Trim(), lines[0]);
        Assert.Equal("2026-12-01,'=a,,k1,embed,embeddings,1,1,5,0,0,0.25,0,0", lines[1]);
        // One GPU-second at 3.6 an hour costs 0.001.
        Assert.Equal("2026-12-02,b,g1;g2,,chat,chat,2,0,10,20,1.5,4,1,0.001", lines[2]);
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public void Pricing_IsTheGpuNodeOfDocsCosts()
    {
        var pricing = new UsagePricing();
        var costs = File.ReadAllText(Path.Combine(Repository.Root, "docs", "costs.md"));

        // The dev column's GPU node: its size and hourly price, as the cost table gives them.
        Assert.Contains($"`{pricing.GpuNodeSize}` ≈ {pricing.GpuNodeHourlyPrice.ToString(System.Globalization.CultureInfo.InvariantCulture)} $/h", costs, StringComparison.Ordinal);
    }
}
