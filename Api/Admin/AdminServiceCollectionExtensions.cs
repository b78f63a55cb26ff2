namespace Api.Admin;

public static class AdminServiceCollectionExtensions
{
    /// <summary>The admin routes' parts: the usage views and their pricing, and the audit trail.</summary>
    public static IHostApplicationBuilder AddAdmin(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<UsagePricing>(builder.Configuration.GetSection(UsagePricing.SectionName));
        builder.Services.AddSingleton<UsageReport>();
        builder.Services.AddSingleton<AdminAudit>();
        return builder;
    }
}
