using System.Globalization;
using Api.Errors;

namespace Api.Admin;

/// <summary>The days an admin view covers, read from its query: <c>from</c> and <c>to</c> (<c>yyyy-MM-dd</c>, UTC), or a <c>month</c> (<c>yyyy-MM</c>).</summary>
internal static class AdminPeriod
{
    /// <summary>From and to, both optional (the last 7 days to today); refused when malformed, reversed or longer than <see cref="UsageReport.MaxDays"/>.</summary>
    public static (DateOnly From, DateOnly To, ApiError? Refusal) Read(string? from, string? to, DateOnly today)
    {
        var end = today;
        if (to is not null && !TryDay(to, out end))
        {
            return (default, default, Invalid("to", to));
        }

        var start = end.AddDays(-6);
        if (from is not null && !TryDay(from, out start))
        {
            return (default, default, Invalid("from", from));
        }

        if (start > end || end.DayNumber - start.DayNumber + 1 > UsageReport.MaxDays)
        {
            return (default, default, ApiError.Of(ErrorCodes.InvalidPeriod, $"'from' must be on or before 'to', at most {UsageReport.MaxDays} days apart."));
        }

        return (start, end, null);
    }

    public static (DateOnly From, DateOnly To, ApiError? Refusal) ReadMonth(string? month, DateOnly today)
    {
        if (month is null)
        {
            return (new DateOnly(today.Year, today.Month, 1), new DateOnly(today.Year, today.Month, DateTime.DaysInMonth(today.Year, today.Month)), null);
        }

        if (!DateOnly.TryParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first))
        {
            return (default, default, Invalid("month", month, "yyyy-MM"));
        }

        return (first, first.AddMonths(1).AddDays(-1), null);
    }

    private static bool TryDay(string text, out DateOnly day) => DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);

    private static ApiError Invalid(string name, string value, string format = "yyyy-MM-dd") =>
        ApiError.Of(ErrorCodes.InvalidPeriod, $"'{name}' must be a date as {format} (UTC); '{Shorten(value)}' is not.");

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "...";
}
