using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hooks.Tools;

/// <summary>
/// A count read from a tool's JSON, whichever way the tool prints it. The REST APIs send numbers; the Azure CLI's
/// own transforms sometimes turn them into strings: <c>az vm list-usage</c> prints <c>currentValue</c> and
/// <c>limit</c> as text (azure-cli, <c>command_modules/vm/_format.py</c>, <c>transform_vm_usage_list</c>).
/// </summary>
internal static class JsonNumbers
{
    public static long Read(JsonNode? node, string what)
    {
        if (node is JsonValue value)
        {
            switch (value.GetValueKind())
            {
                case JsonValueKind.Number:
                    return value.GetValue<long>();
                case JsonValueKind.String when long.TryParse(value.GetValue<string>(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed):
                    return parsed;
            }
        }

        throw new HookFailedException($"{what} is not a number in the Azure CLI's answer: {node?.ToJsonString() ?? "nothing"}.");
    }
}
