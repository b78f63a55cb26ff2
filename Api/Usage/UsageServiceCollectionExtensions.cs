namespace Api.Usage;

public static class UsageServiceCollectionExtensions
{
    /// <summary>The usage ledger: reservations at admission, settled usage in Table Storage, the outbox for when it is away.</summary>
    public static IServiceCollection AddUsageLedger(this IServiceCollection services)
    {
        services.AddSingleton<UsageRollups>();
        services.AddSingleton<UsageStore>();
        services.AddSingleton<UsageDayTotals>();
        services.AddSingleton<UsageReservations>();
        services.AddSingleton<UsageOutbox>();
        services.AddSingleton<UsageLedger>();
        services.AddSingleton<GroupBudgets>();
        services.AddSingleton<EmbeddingBudget>();
        services.AddHostedService<UsageOutboxWriter>();
        return services;
    }
}
