using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.Extensions.Hosting;

/// <summary>The JSON body of <c>/health</c> and <c>/alive</c>.</summary>
public sealed record HealthReportPayload(string Status, double DurationMs, IReadOnlyDictionary<string, HealthEntryPayload> Checks);

/// <summary>One check of a <see cref="HealthReportPayload"/>.</summary>
public sealed record HealthEntryPayload(string Status, string? Description, double DurationMs);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HealthReportPayload))]
internal sealed partial class HealthJsonContext : JsonSerializerContext;
