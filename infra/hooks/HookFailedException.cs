namespace Hooks;

/// <summary>A hook stops: the message says what is wrong and how to fix it, and is all the user sees.</summary>
internal sealed class HookFailedException(string message) : Exception(message);
