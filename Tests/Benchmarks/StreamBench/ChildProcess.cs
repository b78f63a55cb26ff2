using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace StreamBench;

/// <summary>A process the benchmark starts (the API, the YARP peer, Azurite), with its memory and CPU as Linux reports them.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    /// <summary>Waits for the process to end by itself, at most <paramref name="timeout"/>.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public static ChildProcess Start(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var list = arguments.ToList();
        var start = new ProcessStartInfo(program, list) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        // A .NET app reads its appsettings from its content root, the working directory: run it in its own folder.
        if (list.FirstOrDefault(a => a.EndsWith(".dll", StringComparison.Ordinal)) is { } assembly)
        {
            start.WorkingDirectory = Path.GetDirectoryName(assembly);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } text && Environment.GetEnvironmentVariable("BENCH_VERBOSE") == "1")
            {
                Console.Error.WriteLine(text);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line && Environment.GetEnvironmentVariable("BENCH_VERBOSE") == "1")
            {
                Console.Error.WriteLine(line);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(process);
    }

    /// <summary>Resident memory, in bytes (VmRSS).</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>CPU time used so far (user + system), with the processes it started (`dotnet tool run` starts the tool's own).</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime + DescendantsCpu(_process.Id);
    }

    /// <summary>The CPU of a process's descendants still running, from /proc (user + system ticks, 100 a second).</summary>
    private static TimeSpan DescendantsCpu(int root)
    {
        var parents = new Dictionary<int, (int Parent, long Ticks)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture),
                    long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // Gone meanwhile.
            }
        }

        long ticks = 0;
        foreach (var (pid, (_, own)) in parents)
        {
            for (var up = parents.TryGetValue(pid, out var entry) ? entry.Parent : 0; up > 1; up = parents.TryGetValue(up, out var next) ? next.Parent : 0)
            {
                if (up == root)
                {
                    ticks += own;
                    break;
                }
            }
        }

        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    /// <summary>The repository the benchmark runs from (where Solution.sln is).</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Solution.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Run the benchmark from the repository.");
    }

    /// <summary>Azurite from the AppHost's npm install, in memory, its table endpoint on <paramref name="tablePort"/> (blob and queue on free ports).</summary>
    public static ChildProcess StartAzurite(string root, int tablePort) => Start("node",
        [Path.Combine(root, "AppHost", "node_modules", "azurite", "dist", "src", "azurite.js"),
            "--tableHost", "127.0.0.1", "--tablePort", Port(tablePort), "--blobPort", Port(FreePort()), "--queuePort", Port(FreePort()),
            "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--disableTelemetry"]);

    /// <summary>Garnet from the repository's tool manifest, with Lua on (the API's scripts need it).</summary>
    public static ChildProcess StartGarnet(string root, int port) =>
        Start("dotnet", ["tool", "run", "garnet-server", "--", "--port", Port(port), "--bind", "127.0.0.1", "--lua", "--lua-transaction-mode"], workingDirectory: root);

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static async Task WaitForAsync(Uri url, TimeSpan timeout)
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(url);
                if ((int)response.StatusCode < 500)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{url} did not answer within {timeout}.");
            }

            await Task.Delay(200);
        }
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
