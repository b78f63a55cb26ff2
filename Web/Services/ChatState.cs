namespace Web.Services;

/// <summary>
/// What the whole page shares for one user's circuit: the conversation list, the models, the chosen model and the
/// LLM status (polled with the models' live state, so the banner and the picker change by themselves). Components subscribe to <see cref="Changed"/>.
/// </summary>
public sealed class ChatState(ChatApiClient api, ILogger<ChatState> logger) : IDisposable
{
    private static readonly TimeSpan StatusInterval = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _statusLoop;

    public event Action? Changed;

    public IReadOnlyList<ConversationSummaryDto> Conversations { get; private set; } = [];

    public IReadOnlyList<ModelDto> Models { get; private set; } = [];

    public string? SelectedModel { get; set; }

    public StatusDto? Status { get; private set; }

    /// <summary>The user's own day: what is left of their quota (null until read, or when it cannot be).</summary>
    public MyUsageDto? Usage { get; private set; }

    public string? ListError { get; private set; }

    /// <summary>Loads what the page needs once, and starts polling the status.</summary>
    public async Task InitializeAsync()
    {
        if (_statusLoop is not null)
        {
            return;
        }

        _statusLoop = PollStatusAsync(_stopping.Token);
        await Task.WhenAll(RefreshConversationsAsync(), RefreshModelsAsync(), RefreshStatusAsync(), RefreshUsageAsync());
    }

    /// <summary>Reads the user's day again: at start, with the status, and after each reply.</summary>
    public async Task RefreshUsageAsync()
    {
        try
        {
            Usage = await api.GetMyUsageAsync(_stopping.Token);
        }
        catch (ChatApiException ex)
        {
            logger.LogInformation("Usage unavailable: {Message}", ex.Error.UserMessage);
        }

        Changed?.Invoke();
    }

    public async Task RefreshConversationsAsync()
    {
        try
        {
            Conversations = (await api.ListConversationsAsync(50, cancellationToken: _stopping.Token)).Items;
            ListError = null;
        }
        catch (ChatApiException ex)
        {
            ListError = ex.Error.UserMessage;
        }

        Changed?.Invoke();
    }

    public async Task RefreshModelsAsync()
    {
        try
        {
            Models = (await api.GetModelsAsync(_stopping.Token)).Models;
            SelectedModel ??= Models.FirstOrDefault(m => m.IsDefault)?.Name;
            if (SelectedModel is { } chosen && !Models.Any(m => m.Name == chosen && m.IsChat))
            {
                // No longer offered to this user (its access changed): back to the default.
                SelectedModel = Models.FirstOrDefault(m => m.IsDefault)?.Name;
            }
        }
        catch (ChatApiException ex)
        {
            logger.LogInformation("Models unavailable: {Message}", ex.Error.UserMessage);
        }

        Changed?.Invoke();
    }

    /// <summary>
    /// A conversation opened: the model its last message asked for, when the user may still use it; else the default.
    /// So a conversation keeps its model across reloads, and regenerate asks the same model.
    /// </summary>
    public void UseModelOf(IReadOnlyList<MessageDto> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var asked = messages.LastOrDefault(m => m.Role == "user" && m.Model is not null)?.Model;
        var @default = Models.FirstOrDefault(m => m.IsDefault)?.Name;
        // The models may not have loaded yet (the page loads both at once): then the list, when it comes, checks the choice.
        SelectedModel = asked is not null && (Models.Count == 0 || Models.Any(m => m.Name == asked && m.IsChat)) ? asked : @default;
        Changed?.Invoke();
    }

    public async Task RefreshStatusAsync()
    {
        try
        {
            Status = await api.GetStatusAsync(_stopping.Token);
        }
        catch (ChatApiException ex)
        {
            Status = new StatusDto("unavailable", ex.Error.UserMessage, null, DateTimeOffset.UtcNow);
        }

        Changed?.Invoke();
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task PollStatusAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(StatusInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                // The picker's live state (loaded, queue, wait) refreshes with the banner.
                await Task.WhenAll(RefreshStatusAsync(), RefreshModelsAsync(), RefreshUsageAsync());
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
