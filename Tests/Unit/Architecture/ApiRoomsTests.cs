using System.Text.RegularExpressions;
using Tests.Deployment;

namespace Tests.Unit.Architecture;

/// <summary>
/// The API's folders (its rooms) follow the request's path: each uses only the folders docs/architecture.md lists
/// above it, so there is no cycle between them, and the map in the docs stays the code's.
/// </summary>
public sealed partial class ApiRoomsTests
{
    [Fact]
    public void EachFolder_UsesOnlyTheFoldersListedAboveIt_InDocsArchitecture()
    {
        var order = RoomTable().Matches(File.ReadAllText(Path.Combine(Repository.Root, "docs", "architecture.md"))).Select(m => m.Groups[1].Value).ToList();
        var api = Path.Combine(Repository.Root, "Api");
        var folders = Directory.GetDirectories(api).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj" or "Properties")).Cast<string>().ToList();

        Assert.Equal(folders.Order(StringComparer.Ordinal), order.Order(StringComparer.Ordinal));
        var wrong = new List<string>();
        foreach (var folder in folders)
        {
            var allowed = order.Take(order.IndexOf(folder)).ToHashSet(StringComparer.Ordinal);
            foreach (var file in Directory.EnumerateFiles(Path.Combine(api, folder), "*.cs", SearchOption.AllDirectories))
            {
                var text = File.ReadAllText(file);
                foreach (var other in folders.Where(o => o != folder && !allowed.Contains(o)))
                {
                    if (Regex.IsMatch(text, $@"\busing Api\.{other}\b|(?<![\w.])(Api\.)?{other}\.[A-Z]\w+"))
                    {
                        wrong.Add($"{Path.GetRelativePath(Repository.Root, file)} uses {other}/, listed below {folder}/");
                    }
                }
            }
        }

        Assert.Empty(wrong);
    }

    [GeneratedRegex(@"^\| `(\w+)/` \|", RegexOptions.Multiline)]
    private static partial Regex RoomTable();
}
