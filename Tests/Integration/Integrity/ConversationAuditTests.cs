using Api.Auth;
using Api.Conversations;
using Azure.Data.Tables;

namespace Tests.Integration.Integrity;

/// <summary>The integrity audit finds each kind of damage it claims to, injected into a real table, and nothing in a clean one.</summary>
[Collection(IntegrityCollection.Name)]
public sealed class ConversationAuditTests(IntegrityApi api)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> Damage() => new()
    {
        { "missing-message", "messages missing at sequence 1" },
        { "wrong-counter", "counter says 9 message(s), 2 stored" },
        { "orphan-message", "orphan message(s)" },
        { "stale-index", "stale index entry" },
        { "missing-index", "no index entry lists it" },
        { "unfinished-delete", "the deletion did not finish" },
    };

    [Fact]
    public async Task Audit_AfterNormalUse_IsClean()
    {
        var (user, _) = await ConversationWithOneTurnAsync();

        var report = await new ConversationAudit(api.Tables).RunAsync(CurrentUser.ToPartitionKey(user), Cancellation);

        Assert.True(report.Clean, string.Join('\n', report.Findings));
        Assert.Equal(1, report.Conversations);
        Assert.Equal(2, report.Messages);
    }

    [Theory]
    [MemberData(nameof(Damage))]
    public async Task Audit_InjectedDamage_IsFound(string damage, string expected)
    {
        var (user, id) = await ConversationWithOneTurnAsync();
        var partition = CurrentUser.ToPartitionKey(user);
        var head = (await api.Tables.GetEntityAsync<TableEntity>(partition, "c_" + id, cancellationToken: Cancellation)).Value;
        switch (damage)
        {
            case "missing-message":
                await api.Tables.DeleteEntityAsync(partition, $"m_{id}_000001", cancellationToken: Cancellation);
                break;
            case "wrong-counter":
                head["MessageCount"] = 9;
                await api.Tables.UpdateEntityAsync(head, head.ETag, TableUpdateMode.Replace, Cancellation);
                break;
            case "orphan-message":
                await api.Tables.AddEntityAsync(new TableEntity(partition, $"m_{new string('f', 32)}_000000") { ["Role"] = "user" }, Cancellation);
                break;
            case "stale-index":
                await api.Tables.AddEntityAsync(new TableEntity(partition, "i_0000000000000000001_" + new string('e', 32)) { ["ConversationId"] = new string('e', 32) }, Cancellation);
                break;
            case "missing-index":
                await api.Tables.DeleteEntityAsync(partition, head.GetString("IndexRowKey"), cancellationToken: Cancellation);
                break;
            case "unfinished-delete":
                head["Deleted"] = true;
                await api.Tables.UpdateEntityAsync(head, head.ETag, TableUpdateMode.Merge, Cancellation);
                break;
        }

        var report = await new ConversationAudit(api.Tables).RunAsync(partition, Cancellation);

        Assert.Contains(report.Findings, f => f.Problem.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Delete_AfterAnInterruptedDelete_FinishesIt()
    {
        var (user, id) = await ConversationWithOneTurnAsync();
        var partition = CurrentUser.ToPartitionKey(user);
        var head = (await api.Tables.GetEntityAsync<TableEntity>(partition, "c_" + id, cancellationToken: Cancellation)).Value;
        head["Deleted"] = true;
        await api.Tables.UpdateEntityAsync(head, head.ETag, TableUpdateMode.Merge, Cancellation);
        await api.Tables.DeleteEntityAsync(partition, head.GetString("IndexRowKey"), cancellationToken: Cancellation);
        var session = api.Session(user);

        using var get = await session.SendAsync(HttpMethod.Get, $"/api/conversations/{id}");
        using var delete = await session.SendAsync(HttpMethod.Delete, $"/api/conversations/{id}");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, delete.StatusCode);
        await IntegrityAssertions.AssertConsistentAsync(api, user);
    }

    private async Task<(string User, string Id)> ConversationWithOneTurnAsync()
    {
        var session = api.Session();
        var id = await session.CreateConversationAsync("audited");
        api.Ollama.DefaultScript = TestDoubles.Ollama.OllamaDoubleScript.Reply("fine");
        Assert.NotNull((await session.ChatAsync(id, new { content = "hi" })).Done);
        return (session.User, id);
    }
}
