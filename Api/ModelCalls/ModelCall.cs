using Api.Auth;

namespace Api.ModelCalls;

/// <summary>A message as the caller sent it, before it is cleaned and inspected: its role, its text, and where it was in the request.</summary>
/// <param name="Role"><c>system</c>, <c>developer</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</param>
/// <param name="Param">The message's place in the request, in the route's own terms (<c>content</c>, <c>messages[2].content</c>).</param>
public sealed record CallerMessage(string Role, string Text, string Param)
{
    public const string System = "system";
    public const string Developer = "developer";
    public const string User = "user";
    public const string Assistant = "assistant";
    public const string Tool = "tool";

    /// <summary>An assistant message's calls of tools, as the caller sent them back.</summary>
    public IReadOnlyList<Llm.ToolCall> ToolCalls { get; init; } = [];

    /// <summary>A <c>tool</c> message: the call it answers.</summary>
    public string? ToolCallId { get; init; }
}

/// <summary>The names the route gives its parameters, for the errors that point at one.</summary>
public sealed record ParamNames(string Model, string Temperature, string MaxOutputTokens, string Messages)
{
    public static readonly ParamNames Chat = new("model", "temperature", "maxOutputTokens", "content");

    public static readonly ParamNames OpenAi = new("model", "temperature", "max_tokens", "messages");

    public static readonly ParamNames Embeddings = new("model", "temperature", "max_tokens", "input");
}

/// <summary>Where a request came from, for the security events: the client's address and the path it asked.</summary>
public sealed record RequestOrigin(string? Address, string Path)
{
    public static readonly RequestOrigin Internal = new(null, "(internal)");

    public static RequestOrigin Of(HttpContext http) => new(http.Connection.RemoteIpAddress?.ToString(), http.Request.Path.Value ?? string.Empty);
}

/// <summary>
/// One model request, as a route's adapter read it from its wire format: whose, through which route, what the caller
/// asked (model, temperature, output length) and sent (its messages, checked and inspected by the pipeline), and how the
/// model's context is made from them (<see cref="IModelContext"/>).
/// </summary>
public sealed class ModelCall
{
    public required ModelRoute Route { get; init; }

    public required CurrentUser User { get; init; }

    public required IModelContext Context { get; init; }

    public IReadOnlyList<CallerMessage> Messages { get; init; } = [];

    /// <summary>A model the caller named (null: the default).</summary>
    public string? Model { get; init; }

    public double? Temperature { get; init; }

    public int? MaxOutputTokens { get; init; }

    /// <summary>At least one of the caller's user messages must keep visible text once cleaned.</summary>
    public bool NeedsUserText { get; init; }

    /// <summary>False: the model answers in one piece (a title, which nobody watches arrive).</summary>
    public bool Stream { get; init; } = true;

    public ParamNames Params { get; init; } = ParamNames.Chat;

    /// <summary>The conversation the call continues, whose version step 4's one call to the shared store reads too.</summary>
    public string? ConversationId { get; init; }

    /// <summary>What the security events and logs name the request by: a conversation's id, or the route.</summary>
    public string Where { get; init; } = string.Empty;

    public RequestOrigin Origin { get; init; } = RequestOrigin.Internal;

    /// <summary>Functions the model may call (OpenAI's <c>tools</c>), already checked; null or empty: none.</summary>
    public IReadOnlyList<Llm.ToolDefinition>? Tools { get; init; }

    /// <summary>How the model must use <see cref="Tools"/> (OpenAI's <c>tool_choice</c>).</summary>
    public Llm.ToolChoice ToolChoice { get; init; } = Llm.ToolChoice.Auto;

    /// <summary>Checks the route started that answer while the model call is in flight (a key's recheck): each holds the first token.</summary>
    public IReadOnlyList<Task<Errors.ApiError?>> Checks { get; init; } = [];
}
