using System.Reflection;
using System.Text.RegularExpressions;
using Api.Errors;
using Tests.Deployment;

namespace Tests.Unit.Errors;

/// <summary>
/// The error catalogue is the one definition of every code: the constants the API raises them by, the table in
/// docs/api.md, every other table there that names a code with a status, and the web's sentences all agree with it.
/// </summary>
public sealed partial class ErrorCatalogueTests
{
    private static readonly string ApiDoc = File.ReadAllText(Path.Combine(Repository.Root, "docs", "api.md"));

    [Fact]
    public void ErrorCodes_AreExactlyTheCataloguesCodes()
    {
        var constants = typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).Order(StringComparer.Ordinal);

        Assert.Equal(ErrorCatalogue.All.Select(k => k.Code).Order(StringComparer.Ordinal), constants);
    }

    [Fact]
    public void Catalogue_IsConsistent_OneCodeForEachStatus_WaitsOnlyWhereWaitingHelps()
    {
        var kinds = ErrorCatalogue.All;

        Assert.All(kinds, k => Assert.Matches("^[a-z][a-z_]*[a-z]$", k.Code));
        Assert.All(kinds, k => Assert.InRange(k.Status, 400, 599));
        Assert.All(kinds.Where(k => k.RetryAfterSeconds is not null), k => Assert.True(k.Retryable, $"{k.Code} has a default wait but is not retryable"));
        Assert.All(kinds, k => Assert.Contains(k.OpenAiType, new[] { "invalid_request_error", "authentication_error", "permission_error", "rate_limit_error", "server_error" }));
        Assert.All(kinds, k => Assert.Empty(Regex.Matches(k.Sentence, @"\{(\w+)\}").Select(m => m.Groups[1].Value).Except(["detail", "wait", "in"])));
        foreach (var status in kinds.Select(k => k.Status).Distinct())
        {
            Assert.True(kinds.Count(k => k.Status == status && k.ForStatus) <= 1, $"two codes stand for status {status}");
        }

        Assert.Equal(ErrorCodes.InternalError, ErrorCatalogue.ForStatus(500).Code);
        Assert.Equal(ErrorCodes.InvalidRequest, ErrorCatalogue.ForStatus(422).Code);
    }

    [Fact]
    public void DocsErrorTable_IsTheCatalogue_RowForRow()
    {
        var section = ApiDoc[ApiDoc.IndexOf("\n## Errors\n", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 2, StringComparison.Ordinal)];
        var rows = TableRow().Matches(section)
            .Select(m => (Status: int.Parse(m.Groups["status"].Value, System.Globalization.CultureInfo.InvariantCulture), Code: m.Groups["code"].Value, Retry: m.Groups["retry"].Value.Trim(), Type: m.Groups["type"].Value))
            .ToList();

        var expected = ErrorCatalogue.All.Select(k => (k.Status, k.Code, Retry: !k.Retryable ? "no" : k.RetryAfterSeconds is { } s ? $"yes, {s} s" : "yes", Type: k.OpenAiType)).ToList();
        Assert.Equal(expected.OrderBy(r => r.Code, StringComparer.Ordinal), rows.OrderBy(r => r.Code, StringComparer.Ordinal));
    }

    [Fact]
    public void EveryTableInTheDocs_NamesOnlyCataloguedCodes_WithTheirStatus()
    {
        var checkedRows = 0;
        foreach (Match row in StatusRow().Matches(ApiDoc))
        {
            var status = int.Parse(row.Groups["status"].Value, System.Globalization.CultureInfo.InvariantCulture);
            foreach (Match code in Regex.Matches(row.Groups["codes"].Value, "`([a-z_]+)`"))
            {
                Assert.True(ErrorCatalogue.Defines(code.Groups[1].Value), $"docs/api.md names `{code.Groups[1].Value}`, which the catalogue does not define");
                Assert.Equal((code.Groups[1].Value, status), (code.Groups[1].Value, ErrorCatalogue.Get(code.Groups[1].Value).Status));
                checkedRows++;
            }
        }

        Assert.True(checkedRows > ErrorCatalogue.All.Count, $"only {checkedRows} codes found in the docs' tables");
    }

    [Fact]
    public void TheWebsSentence_ForEveryCode_IsFilledIn()
    {
        foreach (var kind in ErrorCatalogue.All)
        {
            var error = global::Web.Services.ChatApiError.From(kind.Status, new global::Web.Services.ProblemDto(kind.Status, kind.Title, "Its own words.", kind.Code, 12, null, null));

            Assert.DoesNotContain("{", error.UserMessage, StringComparison.Ordinal);
            Assert.EndsWith(".", error.UserMessage, StringComparison.Ordinal);
            if (kind.Sentence.Contains("{wait}", StringComparison.Ordinal))
            {
                Assert.Contains("Try again in 12 seconds.", error.UserMessage, StringComparison.Ordinal);
            }
        }
    }

    [GeneratedRegex(@"^\| (?<status>\d{3}) \| `(?<code>[a-z_]+)` \| (?<retry>[^|]+) \| `(?<type>[a-z_]+)` \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [GeneratedRegex(@"^\| (?<status>\d{3}) \| (?<codes>[^|]+) \|", RegexOptions.Multiline)]
    private static partial Regex StatusRow();
}
