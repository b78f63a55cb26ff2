using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Tests.Integration;

/// <summary>Conversations in Table Storage (Azurite), through the API.</summary>
[Collection(AppCollection.Name)]
public sealed class ConversationApiTests(AppFixture app)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Create_Get_Rename_Delete_RoundTrip()
    {
        var user = app.NewUser();
        var id = await user.CreateConversationAsync("First title");

        using var renamed = await user.SendAsync(HttpMethod.Patch, $"/api/conversations/{id}", new { title = "  Better title  " });
        var detail = await user.GetConversationAsync(id);
        using var deleted = await user.SendAsync(HttpMethod.Delete, $"/api/conversations/{id}");
        using var afterDelete = await user.SendAsync(HttpMethod.Get, $"/api/conversations/{id}");

        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("Better title", detail.GetProperty("title").GetString());
        Assert.Equal(0, detail.GetProperty("messages").GetArrayLength());
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, afterDelete.StatusCode);
        Assert.Equal("application/problem+json", afterDelete.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Delete_ConversationWithMessages_RemovesEveryMessage()
    {
        var user = app.NewUser();
        var id = await user.CreateConversationAsync();
        Assert.Equal(HttpStatusCode.OK, (await user.ChatAsync(id, new { content = "one" })).Status);
        Assert.Equal(HttpStatusCode.OK, (await user.ChatAsync(id, new { content = "two" })).Status);

        using var deleted = await user.SendAsync(HttpMethod.Delete, $"/api/conversations/{id}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var table = new Azure.Data.Tables.TableServiceClient(await app.TablesConnectionStringAsync()).GetTableClient("conversations");
        var left = new List<string>();
        await foreach (var entity in table.QueryAsync<Azure.Data.Tables.TableEntity>($"PartitionKey eq 'u_{user.User}'", cancellationToken: Cancellation))
        {
            left.Add(entity.RowKey);
        }

        Assert.DoesNotContain(left, rowKey => rowKey.Contains(id, StringComparison.Ordinal));
        Assert.Contains(left, rowKey => rowKey.StartsWith("usage_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task List_NewestActivityFirst_PagedWithContinuationToken()
    {
        var user = app.NewUser();
        var first = await user.CreateConversationAsync("a");
        var second = await user.CreateConversationAsync("b");
        var third = await user.CreateConversationAsync("c");
        // Activity moves a conversation to the top.
        Assert.Equal(HttpStatusCode.OK, (await user.ChatAsync(first, new { content = "bump" })).Status);

        var ids = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            using var response = await user.SendAsync(HttpMethod.Get, $"/api/conversations?pageSize=2{(token is null ? string.Empty : $"&continuationToken={Uri.EscapeDataString(token)}")}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
            ids.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!));
            token = page.GetProperty("continuationToken").GetString();
            pages++;
        }
        while (token is not null && pages < 5);

        Assert.Equal([first, third, second], ids);
        Assert.Equal(2, pages);
    }

    [Theory]
    [InlineData("pageSize=0")]
    [InlineData("pageSize=1000")]
    [InlineData("continuationToken=not-a-token")]
    public async Task List_BadPaging_Is400WithProblemDetails(string query)
    {
        using var response = await app.NewUser().SendAsync(HttpMethod.Get, $"/api/conversations?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task AnotherUsersConversation_IsNotFound_ForEveryVerb()
    {
        var owner = app.NewUser("owner");
        var intruder = app.NewUser("intruder");
        var id = await owner.CreateConversationAsync("private");

        using var get = await intruder.SendAsync(HttpMethod.Get, $"/api/conversations/{id}");
        using var rename = await intruder.SendAsync(HttpMethod.Patch, $"/api/conversations/{id}", new { title = "mine now" });
        using var delete = await intruder.SendAsync(HttpMethod.Delete, $"/api/conversations/{id}");
        var send = await intruder.ChatAsync(id, new { content = "hello" });
        var regenerate = await intruder.RegenerateAsync(id);
        using var list = await intruder.SendAsync(HttpMethod.Get, "/api/conversations");

        Assert.All(new[] { get.StatusCode, rename.StatusCode, delete.StatusCode, send.Status, regenerate.Status }, status => Assert.Equal(HttpStatusCode.NotFound, status));
        Assert.Equal(0, (await list.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("items").GetArrayLength());
        Assert.Equal("private", (await owner.GetConversationAsync(id)).GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Rename_EmptyTitle_Is400(string title)
    {
        var user = app.NewUser();
        var id = await user.CreateConversationAsync();

        using var response = await user.SendAsync(HttpMethod.Patch, $"/api/conversations/{id}", new { title });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Get_MalformedId_Is404NotACrash()
    {
        using var response = await app.NewUser().SendAsync(HttpMethod.Get, "/api/conversations/'%20or%20'1'%20eq%20'1");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
