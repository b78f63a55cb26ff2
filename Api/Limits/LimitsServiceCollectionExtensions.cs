using Api.Shared;
using Microsoft.Extensions.Options;

namespace Api.Limits;

public static class LimitsServiceCollectionExtensions
{
    /// <summary>What one user may use: requests per minute and concurrent streams (shared by the replicas through the store), and the quotas admins set per user and group.</summary>
    public static WebApplicationBuilder AddUserLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<UserLimitsOptions>().Bind(builder.Configuration.GetSection(UserLimitsOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(services => new UserRequestLimiter(
            services.GetRequiredService<IOptions<UserLimitsOptions>>(),
            services.GetRequiredService<SharedStore>()));
        builder.Services.AddSingleton<QuotaStore>();
        builder.Services.AddSingleton<QuotaBook>();
        builder.Services.AddHostedService(services => services.GetRequiredService<QuotaBook>());
        return builder;
    }
}
