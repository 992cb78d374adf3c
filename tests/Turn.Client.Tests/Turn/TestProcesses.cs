using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Turn.Client.Tests.Turn;

/// <summary>Where the repository and the programs under test are.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>coturn's server (the reference); override with COTURN_TURNSERVER.</summary>
    public static string CoturnServer => Environment.GetEnvironmentVariable("COTURN_TURNSERVER") ?? "/usr/bin/turnserver";

    /// <summary>
    /// The newest build of one of our programs: bin/NAME.dll (scripts/build) or src/NAME/bin/{Release,Debug}/net10.0/NAME.dll.
    /// Run it with "dotnet". Fails the test with a hint when nothing is built.
    /// </summary>
    public static string Program(string name)
    {
        string[] candidates =
        [
            Path.Combine(Root, "bin", name + ".dll"),
            Path.Combine(Root, "src", name, "bin", "Release", "net10.0", name + ".dll"),
            Path.Combine(Root, "src", name, "bin", "Debug", "net10.0", name + ".dll"),
        ];
        string? newest = candidates.Where(File.Exists).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
        Assert.True(newest is not null, $"{name} is not built: run scripts/build (or dotnet build src/{name})");
        return newest!;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Turn.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Turn.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A child process whose output is collected; disposing kills it (and its children) if still running.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static ChildProcess Start(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        var process = new Process { StartInfo = info };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Starts one of our programs with dotnet.</summary>
    public static ChildProcess StartDotnet(string program, IEnumerable<string> args)
        => Start("dotnet", [RepoPaths.Program(program), .. args]);

    /// <summary>Waits for the exit; on timeout kills the process and fails with its output.</summary>
    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            Assert.Fail($"{_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)} did not finish within {timeout.TotalSeconds:0} s:\n{Output}");
        }

        _process.WaitForExit(); // drain the output
        return _process.ExitCode;
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Append(line).Append('\n');
        }
    }
}

/// <summary>Free ports: UDP and TCP, 127.0.0.1 and ::1, for a run of consecutive ports.</summary>
public static class FreePorts
{
    private static readonly object Gate = new();
    private static readonly HashSet<int> Handed = [];

    /// <summary>A port p such that p .. p+count-1 are free (checked by binding), never handed out twice in this process.</summary>
    public static int Find(int count = 2)
    {
        lock (Gate)
        {
            for (int attempt = 0; attempt < 500; attempt++)
            {
                int port = Random.Shared.Next(20_000, 32_000);
                if (Enumerable.Range(port, count).Any(Handed.Contains))
                {
                    continue;
                }

                if (Enumerable.Range(port, count).All(IsFree))
                {
                    foreach (int p in Enumerable.Range(port, count))
                    {
                        Handed.Add(p);
                    }

                    return port;
                }
            }

            throw new InvalidOperationException("no free port found");
        }
    }

    /// <summary>The start of a free-looking range of <paramref name="size"/> relay ports (the server skips busy ones anyway).</summary>
    public static int RelayRange(int size)
    {
        lock (Gate)
        {
            while (true)
            {
                // Above the kernel's ephemeral range (32768-60999), so client sockets never hold relay ports.
                int start = 61_000 + (Random.Shared.Next(0, 4_400 / size) * size);
                if (Handed.Add(-start))
                {
                    return start;
                }
            }
        }
    }

    private static bool IsFree(int port)
    {
        foreach (IPAddress address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            foreach (SocketType type in new[] { SocketType.Dgram, SocketType.Stream })
            {
                try
                {
                    using var s = new Socket(address.AddressFamily, type, type == SocketType.Dgram ? ProtocolType.Udp : ProtocolType.Tcp);
                    s.Bind(new IPEndPoint(address, port));
                }
                catch (SocketException)
                {
                    return false;
                }
            }
        }

        return true;
    }
}
