using System.Globalization;
using System.Text;
using Api.Usage;

namespace Api.Admin;

/// <summary>
/// A period's roll-ups as CSV (RFC 4180): one line per day, user, key, model and route. A cell that a spreadsheet
/// would run as a formula (it starts with <c>= + - @</c>, a tab or a carriage return) is written with a leading
/// apostrophe, so an exported user id or group can never execute.
/// </summary>
public static class UsageCsv
{
    /// <summary>The columns, from the plain file <c>Admin/usage-export-header.csv</c> (embedded).</summary>
    public static readonly string Header = ReadHeader();

    private static string ReadHeader()
    {
        using var stream = typeof(UsageCsv).Assembly.GetManifestResourceStream("Admin.usage-export-header.csv")
            ?? throw new InvalidOperationException("The usage export's header is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Trim();
    }

    public static string Write(IEnumerable<UsageRollup> rows, UsagePricing pricing)
    {
        var csv = new StringBuilder(Header).Append("\r\n");
        foreach (var r in rows.OrderBy(r => r.Day).ThenBy(r => r.UserId, StringComparer.Ordinal).ThenBy(r => r.KeyId, StringComparer.Ordinal)
                     .ThenBy(r => r.Model, StringComparer.Ordinal).ThenBy(r => r.Route, StringComparer.Ordinal))
        {
            var gpuSeconds = r.GpuMs / 1000.0;
            string[] cells =
            [
                r.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), r.UserId, string.Join(';', r.Groups), r.KeyId ?? string.Empty, r.Model, r.Route,
                Number(r.Requests), Number(r.Failed), Number(r.PromptTokens), Number(r.OutputTokens),
                Seconds(r.AdmissionWaitMs), Seconds(r.GenerationMs), Seconds(r.GpuMs),
                pricing.CostOf(gpuSeconds).ToString("0.######", CultureInfo.InvariantCulture),
            ];
            csv.AppendJoin(',', cells.Select(Cell)).Append("\r\n");
        }

        return csv.ToString();
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(long milliseconds) => (milliseconds / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    public static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}
