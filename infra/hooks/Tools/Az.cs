using System.Text.Json.Nodes;

namespace Hooks.Tools;

/// <summary>
/// The Azure CLI. Every call asks for JSON (<c>-o json</c>) and reads it as data. Request bodies go as files
/// (<c>@path</c>), never as arguments. Graph is eventually consistent: an object just created may be unknown to the
/// next call for seconds (azure-cli issue 1332), so Graph calls that follow a create retry on "does not exist".
/// </summary>
internal sealed class Az(TextWriter log)
{
    private const int GraphAttempts = 12;
    private static readonly TimeSpan GraphRetryDelay = TimeSpan.FromSeconds(5);

    public ToolResult Run(params string[] arguments) => CommandLine.Run("az", arguments);

    /// <summary>
    /// Runs a command whose secret argument is <c>@-</c>: az reads any argument value written <c>@path</c> from that file,
    /// and <c>@-</c> from its standard input (azure-cli, <c>azure/cli/core/commands/__init__.py</c>,
    /// <c>_expand_file_prefixed_files</c>), so the secret never appears in the process's arguments, which every user
    /// of the machine can list.
    /// </summary>
    public ToolResult RunWithInput(string input, params string[] arguments) => CommandLine.Run("az", arguments, input);

    /// <summary>Runs the command and reads its JSON answer; throws with the command's error when it fails.</summary>
    public JsonNode? Json(params string[] arguments)
    {
        var result = Run([.. arguments, "-o", "json"]).OrThrow();
        return string.IsNullOrWhiteSpace(result.Output) ? null : JsonNode.Parse(result.Output);
    }

    /// <summary>Like <see cref="Json"/>, but a failure is returned, not thrown.</summary>
    public (JsonNode? Value, ToolResult Result) TryJson(params string[] arguments)
    {
        var result = Run([.. arguments, "-o", "json"]);
        return (result.Succeeded && !string.IsNullOrWhiteSpace(result.Output) ? JsonNode.Parse(result.Output) : null, result);
    }

    /// <summary>A REST call through <c>az rest</c> (Graph or ARM), the body written to a file.</summary>
    public ToolResult Rest(string method, string url, JsonNode? body = null)
    {
        if (body is null)
        {
            return Run("rest", "--method", method, "--url", url);
        }

        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, body.ToJsonString());
            return Run("rest", "--method", method, "--url", url, "--headers", "Content-Type=application/json", "--body", "@" + file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Runs a Graph call that may name an object created moments ago, retrying while Graph has not replicated it.</summary>
    public ToolResult Replicated(Func<ToolResult> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            var result = call();
            if (result.Succeeded || attempt == GraphAttempts || !IsNotReplicatedYet(result))
            {
                return result;
            }

            log.WriteLine($"  Graph has not replicated the new object yet; retrying ({attempt}/{GraphAttempts - 1})...");
            Clock.Pause(GraphRetryDelay);
        }
    }

    /// <summary>Graph's answer for an object it does not know (yet): Request_ResourceNotFound.</summary>
    public static bool IsNotReplicatedYet(ToolResult result) =>
        result.Error.Contains("does not exist", StringComparison.OrdinalIgnoreCase) || result.Error.Contains("Request_ResourceNotFound", StringComparison.Ordinal)
        || result.Error.Contains("does not reference a valid application object", StringComparison.OrdinalIgnoreCase);

    /// <summary>Graph refused the call for lack of permission (Authorization_RequestDenied, 403).</summary>
    public static bool IsDenied(ToolResult result) =>
        result.Error.Contains("Authorization_RequestDenied", StringComparison.Ordinal) || result.Error.Contains("Insufficient privileges", StringComparison.OrdinalIgnoreCase);

    /// <summary>An ARM resource (or its group) that does not exist in the selected subscription.</summary>
    public static bool IsNotFound(ToolResult result) =>
        result.Error.Contains("ResourceNotFound", StringComparison.Ordinal) || result.Error.Contains("ResourceGroupNotFound", StringComparison.Ordinal)
        || result.Error.Contains("could not be found", StringComparison.OrdinalIgnoreCase);
}
