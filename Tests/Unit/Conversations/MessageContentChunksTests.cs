using Api.Conversations;
using Azure.Data.Tables;

namespace Tests.Unit.Conversations;

public sealed class MessageContentChunksTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(30_000)]
    [InlineData(30_001)]
    [InlineData(200_000)]
    public void WriteRead_RoundTrips(int length)
    {
        var content = new string([.. Enumerable.Range(0, length).Select(i => (char)('a' + (i % 26)))]);
        var entity = new TableEntity("p", "r");

        MessageContentChunks.Write(entity, content);

        Assert.Equal(content, MessageContentChunks.Read(entity));
        Assert.All(entity.Keys.Where(k => k.StartsWith('C') && k != "ContentChunks"), key => Assert.True(((string)entity[key]).Length <= MessageContentChunks.ChunkChars));
    }

    [Fact]
    public void Write_SurrogatePairOnTheBoundary_IsNotSplit()
    {
        var content = new string('a', MessageContentChunks.ChunkChars - 1) + "😀" + "tail";
        var entity = new TableEntity("p", "r");

        MessageContentChunks.Write(entity, content);

        Assert.False(char.IsHighSurrogate(((string)entity["C0"])[^1]));
        Assert.Equal(content, MessageContentChunks.Read(entity));
    }

    [Fact]
    public void Write_BeyondTheEntityLimit_IsCutAndMarked()
    {
        var entity = new TableEntity("p", "r");

        MessageContentChunks.Write(entity, new string('z', MessageContentChunks.MaxChars + 10));
        var read = MessageContentChunks.Read(entity);

        Assert.Equal(MessageContentChunks.MaxChars, read.Length);
        Assert.EndsWith(MessageContentChunks.TruncationMarker, read);
        // 64 KiB per property and under 1 MiB per entity: UTF-16 is two bytes a char.
        Assert.True(MessageContentChunks.ChunkChars * 2 <= 64 * 1024);
        Assert.True(MessageContentChunks.MaxChars * 2 < 1024 * 1024 - 16 * 1024);
    }
}
