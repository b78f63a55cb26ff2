// The web links this file (Web.csproj); there it lives in its own namespace, so that an assembly that references both
// (the tests) sees two distinct types.
#if WEB
namespace Web.Errors;
#else
namespace Api.Errors;
#endif

/// <summary>The catalogue's codes, for the code that raises them (a test keeps this list and catalogue.json the same).</summary>
public static class ErrorCodes
{
    public const string InvalidRequest = "invalid_request";

    public const string InvalidJson = "invalid_json";

    public const string InvalidBody = "invalid_body";

    public const string MissingBody = "missing_body";

    public const string InvalidParameter = "invalid_parameter";

    public const string MissingParameter = "missing_parameter";

    public const string MissingRequiredParameter = "missing_required_parameter";

    public const string InvalidValue = "invalid_value";

    public const string UnsupportedParameter = "unsupported_parameter";

    public const string UnknownParameter = "unknown_parameter";

    public const string EmptyMessage = "empty_message";

    public const string TooManyMessages = "too_many_messages";

    public const string ContextLengthExceeded = "context_length_exceeded";

    public const string ConversationTooLong = "conversation_too_long";

    public const string NothingToRegenerate = "nothing_to_regenerate";

    public const string PromptInjection = "prompt_injection";

    public const string InvalidPageSize = "invalid_page_size";

    public const string InvalidContinuationToken = "invalid_continuation_token";

    public const string EmptyTitle = "empty_title";

    public const string TitleTooLong = "title_too_long";

    public const string InvalidLastEventId = "invalid_last_event_id";

    public const string InvalidKeyName = "invalid_key_name";

    public const string InvalidKeyExpiry = "invalid_key_expiry";

    public const string InvalidPeriod = "invalid_period";

    public const string InvalidQuota = "invalid_quota";

    public const string QuotaConflict = "quota_conflict";

    public const string Unauthenticated = "unauthenticated";

    public const string InvalidApiKey = "invalid_api_key";

    public const string Forbidden = "forbidden";

    public const string KeyCannotManageKeys = "key_cannot_manage_keys";

    public const string KeyCannotAdminister = "key_cannot_administer";

    public const string GroupsOverage = "groups_overage";

    public const string AdminRoleRequired = "admin_role_required";

    public const string RecentSignInRequired = "recent_sign_in_required";

    public const string NotFound = "not_found";

    public const string ModelNotFound = "model_not_found";
    public const string ModelCannotChat = "model_cannot_chat";
    public const string ModelCannotEmbed = "model_cannot_embed";
    public const string ModelDoesNotSupportTools = "model_does_not_support_tools";
    public const string InvalidToolSchema = "invalid_tool_schema";
    public const string UnknownToolCall = "unknown_tool_call";
    public const string EmptyInput = "empty_input";
    public const string InvalidInput = "invalid_input";
    public const string TooManyInputs = "too_many_inputs";
    public const string DimensionsNotSupported = "dimensions_not_supported";

    public const string NoActiveReply = "no_active_reply";

    public const string ReplyNotFound = "reply_not_found";

    public const string MethodNotAllowed = "method_not_allowed";

    public const string NotAcceptable = "not_acceptable";

    public const string RequestTimeout = "request_timeout";

    public const string Conflict = "conflict";

    public const string ConversationBusy = "conversation_busy";

    public const string ConversationFull = "conversation_full";

    public const string TooManyKeys = "too_many_keys";

    public const string ConversationDeleted = "conversation_deleted";

    public const string RequestTooLarge = "request_too_large";

    public const string MessageTooLong = "message_too_long";

    public const string UnsupportedMediaType = "unsupported_media_type";

    public const string TooManyRequests = "too_many_requests";

    public const string RequestsPerMinute = "requests_per_minute";

    public const string ConcurrentStreams = "concurrent_streams";

    public const string DailyTokens = "daily_tokens";

    public const string GroupDailyTokens = "group_daily_tokens";

    public const string DailyEmbeddingTokens = "daily_embedding_tokens";

    public const string LlmCapacity = "llm_capacity";

    public const string AuthenticationFailures = "authentication_failures";

    public const string HeadersTooLarge = "headers_too_large";

    public const string InternalError = "internal_error";

    public const string LlmStreamBroken = "llm_stream_broken";

    public const string LlmError = "llm_error";

    public const string OutputBlocked = "output_blocked";

    public const string Unavailable = "unavailable";

    public const string LlmUnavailable = "llm_unavailable";

    public const string LlmBusy = "llm_busy";

    public const string ServerShuttingDown = "server_shutting_down";

    public const string StorageUnavailable = "storage_unavailable";

    public const string SharedStoreUnavailable = "shared_store_unavailable";

    public const string PersistDeferred = "persist_deferred";

    public const string PersistFailed = "persist_failed";

    public const string ReplyLost = "reply_lost";

    public const string LlmTimeout = "llm_timeout";
}
