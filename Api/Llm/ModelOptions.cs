using System.ComponentModel.DataAnnotations;

// Linked into the AppHost, which declares the catalogue: there in its own namespace, so the tests (which see both
// assemblies) name each copy without doubt.
#if APPHOST
namespace AppHost;
#else
namespace Api.Llm;
#endif

/// <summary>What a model does: answers chats, or turns text into vectors.</summary>
public enum ModelKind
{
    Chat,
    Embedding,
}

/// <summary>Where a model's servers run when deployed: what a second of its time costs (docs/costs.md).</summary>
public enum ModelPool
{
    /// <summary>The tainted GPU pool that the cluster autoscaler grows and shrinks.</summary>
    Gpu,

    /// <summary>The CPU pool, for small models.</summary>
    Cpu,
}

/// <summary>
/// One entry of the model catalogue (<c>Llm:Models:&lt;name&gt;</c>): what the API needs to know of a model to route,
/// govern and describe it. The AppHost declares each model once (<c>AppHost/models.json</c>) and gives the API these
/// properties of it; the name is the model's id on every route, and its connection string (<c>Endpoint=...;Model=tag</c>)
/// has the same name. Linked into the AppHost, which writes every property as an environment variable, so the two
/// cannot disagree.
/// </summary>
public class ModelOptions
{
    /// <summary>Where the catalogue is configured: one child per model id.</summary>
    public const string CatalogueSection = "Llm:Models";

    public ModelKind Kind { get; set; } = ModelKind.Chat;

    /// <summary>The pool its servers run on; the usage ledger counts a GPU model's time as GPU-seconds.</summary>
    public ModelPool Pool { get; set; } = ModelPool.Gpu;

    /// <summary>The chat model a request that names none gets (exactly one).</summary>
    public bool Default { get; set; }

    /// <summary>Another chat model that answers while this one is unavailable (degraded mode).</summary>
    public string? Fallback { get; set; }

    /// <summary>Writes conversations' titles (at most one; otherwise the default writes them).</summary>
    public bool Titles { get; set; }

    /// <summary>The model was trained to call tools (Ollama's <c>tools</c> capability): <c>tools</c> are accepted for it.</summary>
    public bool Tools { get; set; }

    /// <summary>The context the model server is started with, in tokens: an embedding input longer than it is refused.</summary>
    [Range(128, 1_048_576)]
    public int ContextLength { get; set; } = 8192;

    /// <summary>An embedding model's vector length.</summary>
    [Range(1, 65_536)]
    public int? Dimensions { get; set; }

    /// <summary>Replies one of its servers runs at once (<c>OLLAMA_NUM_PARALLEL</c>); unset: <c>Llm:Admission:SlotsPerServer</c>.</summary>
    [Range(1, 10_000)]
    public int? SlotsPerServer { get; set; }

    /// <summary>Entra ID app roles (the token's <c>roles</c>) whose holders may use the model.</summary>
    public List<string> AllowedRoles { get; set; } = [];

    /// <summary>Entra ID group object ids (the token's <c>groups</c>) whose members may use the model.</summary>
    public List<string> AllowedGroups { get; set; } = [];

    /// <summary>One line for the picker and <c>/api/models</c>.</summary>
    public string? Description { get; set; }

    /// <summary>Everyone may use a model that names no role and no group.</summary>
    public bool Everyone => AllowedRoles.Count == 0 && AllowedGroups.Count == 0;
}
