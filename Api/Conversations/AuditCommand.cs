using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace Api.Conversations;

/// <summary>
/// <c>Api audit [partition]</c>: the integrity audit for operators (and the tests), beside <c>Api backup</c>. Prints
/// every finding and a summary; exit code 0 when the store is consistent, 1 when something was found, 2 on error.
/// </summary>
public static class AuditCommand
{
    public static bool IsCommand(string[] args) => args is ["audit", ..];

    public static async Task<int> RunAsync(string[] args)
    {
        var partition = args.Length > 1 && !args[1].StartsWith('-') ? args[1] : null;
        var builder = Host.CreateApplicationBuilder(args[(partition is null ? 1 : 2)..]);
        builder.AddAzureTableServiceClient("tables");
        builder.Services.AddOptions<ConversationOptions>().Bind(builder.Configuration.GetSection(ConversationOptions.SectionName));
        using var host = builder.Build();
        var table = host.Services.GetRequiredService<TableServiceClient>().GetTableClient(host.Services.GetRequiredService<IOptions<ConversationOptions>>().Value.TableName);

        try
        {
            var report = await new ConversationAudit(table).RunAsync(partition, CancellationToken.None);
            foreach (var finding in report.Findings)
            {
                Console.WriteLine(finding);
            }

            Console.WriteLine($"{report.Partitions} partition(s), {report.Conversations} conversation(s), {report.Messages} message(s): {(report.Clean ? "consistent" : $"{report.Findings.Count} finding(s)")}.");
            return report.Clean ? 0 : 1;
        }
        catch (Azure.RequestFailedException ex)
        {
            Console.Error.WriteLine($"The audit could not read the table: {ex.Message}");
            return 2;
        }
    }
}
