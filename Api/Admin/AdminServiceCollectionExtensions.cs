namespace Api.Admin;

public static class AdminServiceCollectionExtensions
{
    /// <summary>The admin routes' parts: the usage views and their pricing, and the audit trail.</summary>
    public static IHostApplicationBuilder AddAdmin(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<UsagePricing>(builder.Configuration.GetSection(UsagePricing.SectionName));
        builder.Services.AddSingleton<UsageReport>();
        var immutableCopy = AuditBlobLog.FromConfiguration(builder.Configuration);
        builder.Services.AddSingleton(services => new AdminAudit(
            services.GetRequiredService<Azure.Data.Tables.TableServiceClient>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILoggerFactory>(),
            immutableCopy));
        return builder;
    }
}
