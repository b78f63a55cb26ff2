namespace Hooks;

/// <summary>One step of a hook, named as the user reads it when the step stops the hook.</summary>
internal sealed record HookStep(string Name, Action<HookContext> Run);
