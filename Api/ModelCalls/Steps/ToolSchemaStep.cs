using System.Text.Json;
using Api.Errors;
using Api.Llm;

namespace Api.ModelCalls.Steps;

/// <summary>
/// 7b. Each tool's <c>parameters</c> checked against the JSON Schema 2020-12 meta-schema (<c>invalid_tool_schema</c>,
/// naming the tool). It runs here, not while the body is read: after the request was counted against the caller's
/// per-minute limit (step 4), so an invalid schema costs its sender a request like any other, and after the tools'
/// JSON was bounded with the messages by the context budget (step 3), so what the check may cost is bounded too
/// (a few milliseconds for the most the budget lets through; docs/benchmarks.md, the governance benchmark).
/// </summary>
public sealed class ToolSchemaStep : IModelCallStep
{
    public int Order => StepOrder.ToolSchemas;

    public ValueTask<ApiError?> RunAsync(ModelCallState state, CancellationToken cancellationToken)
    {
        if (state.Tools is not { Count: > 0 } tools)
        {
            return ValueTask.FromResult<ApiError?>(null);
        }

        for (var i = 0; i < tools.Count; i++)
        {
            using var tool = JsonDocument.Parse(tools[i].Json);
            if (ToolSchemas.Problem(tool.RootElement.GetProperty("function").GetProperty("parameters")) is { } problem)
            {
                var param = $"tools[{i}].function.parameters";
                return ValueTask.FromResult<ApiError?>(ApiError.Of(ErrorCodes.InvalidToolSchema, $"{param} is not a valid JSON Schema: {problem}", param: param));
            }
        }

        return ValueTask.FromResult<ApiError?>(null);
    }
}
