using Azure.Data.Tables;
using static Api.Conversations.ConversationEntities;

namespace Api.Conversations;

/// <summary>One thing the audit found wrong, in one user's partition.</summary>
public sealed record AuditFinding(string Partition, string? ConversationId, string Problem)
{
    public override string ToString() => $"{Partition} {ConversationId ?? "-"}: {Problem}";
}

/// <summary>What the audit read and found.</summary>
public sealed record AuditReport(int Partitions, int Conversations, int Messages, IReadOnlyList<AuditFinding> Findings)
{
    public bool Clean => Findings.Count == 0;
}

/// <summary>
/// Walks one user's partition, or all of them, and checks what the store promises: each conversation's messages run
/// 0..n-1 without a gap, its counters match them, its index entry exists and points back to it; no message, index
/// entry or tombstone is left over from a conversation that is gone. Reads only.
/// </summary>
public sealed class ConversationAudit(TableClient table)
{
    public async Task<AuditReport> RunAsync(string? partition, CancellationToken cancellationToken)
    {
        var filter = partition is null ? null : TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        var rows = new Dictionary<string, List<TableEntity>>(StringComparer.Ordinal);
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (!rows.TryGetValue(entity.PartitionKey, out var list))
            {
                rows[entity.PartitionKey] = list = [];
            }

            list.Add(entity);
        }

        var findings = new List<AuditFinding>();
        var conversations = 0;
        var messages = 0;
        foreach (var (key, entities) in rows.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var byKind = entities.ToLookup(e => e.RowKey[..Math.Min(2, e.RowKey.Length)]);
            var heads = byKind[ConversationPrefix].ToDictionary(e => e.RowKey[ConversationPrefix.Length..], StringComparer.Ordinal);
            var index = byKind[IndexPrefix].ToList();
            var messageRows = byKind[MessagePrefix].GroupBy(e => e.RowKey[MessagePrefix.Length..^7], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => SequenceOf(e.RowKey)).Order().ToList(), StringComparer.Ordinal);
            void Found(string? id, string problem) => findings.Add(new AuditFinding(key, id, problem));

            foreach (var (id, head) in heads)
            {
                var sequences = messageRows.GetValueOrDefault(id) ?? [];
                messages += sequences.Count;
                if (IsTombstone(head))
                {
                    Found(id, $"deleted, but the deletion did not finish ({sequences.Count} message(s) left): delete it again");
                    continue;
                }

                conversations++;
                var conversation = FromEntity(head);
                var expected = Enumerable.Range(0, conversation.NextSequence).ToList();
                var missing = expected.Except(sequences).ToList();
                var extra = sequences.Except(expected).ToList();
                if (missing.Count > 0)
                {
                    Found(id, $"messages missing at sequence {string.Join(", ", missing.Take(10))}");
                }

                if (extra.Count > 0)
                {
                    Found(id, $"messages beyond its next sequence {conversation.NextSequence}: {string.Join(", ", extra.Take(10))}");
                }

                if (conversation.MessageCount != sequences.Count)
                {
                    Found(id, $"counter says {conversation.MessageCount} message(s), {sequences.Count} stored");
                }

                var entry = index.FirstOrDefault(e => e.RowKey == conversation.IndexRowKey);
                if (entry is null || entry.GetString("ConversationId") != id)
                {
                    Found(id, "no index entry lists it");
                }
            }

            foreach (var (id, sequences) in messageRows.Where(m => !heads.ContainsKey(m.Key)))
            {
                messages += sequences.Count;
                Found(id, $"{sequences.Count} orphan message(s): the conversation does not exist");
            }

            foreach (var entry in index)
            {
                var id = entry.GetString("ConversationId");
                if (id is null || !heads.TryGetValue(id, out var head) || IsTombstone(head) || head.GetString("IndexRowKey") != entry.RowKey)
                {
                    Found(id, $"stale index entry {entry.RowKey}: it lists a conversation that is gone or listed elsewhere");
                }
            }
        }

        return new AuditReport(rows.Count, conversations, messages, findings);
    }
}
