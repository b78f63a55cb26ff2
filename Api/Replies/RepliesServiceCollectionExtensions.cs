using Api.Conversations;

namespace Api.Replies;

public static class RepliesServiceCollectionExtensions
{
    /// <summary>Replies run apart from their requests: resumable from any replica, cancelled by their user, by nobody reading, or by their conversation's deletion.</summary>
    public static WebApplicationBuilder AddReplies(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ReplyOptions>().Bind(builder.Configuration.GetSection(ReplyOptions.SectionName));
        builder.Services.AddSingleton<ReplyLogStore>();
        builder.Services.AddSingleton<ReplyRuns>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ReplyRuns>());
        builder.Services.AddSingleton<IConversationDeletedListener>(services => services.GetRequiredService<ReplyRuns>());
        return builder;
    }
}
