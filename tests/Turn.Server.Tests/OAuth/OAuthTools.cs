using System.Diagnostics;
using System.Text;

namespace Turn.Server.Tests.OAuth;

/// <summary>Runs coturn's /usr/bin/turnutils_oauth and ours, capturing raw stdout / stderr and the exit code.</summary>
internal static class OAuthTools
{
    public const string CoturnPath = "/usr/bin/turnutils_oauth";

    /// <summary>coturn's tool; a clear failure (not a skip) when the Debian package is missing, as in Turn.Interop.Tests.</summary>
    public static string Coturn()
    {
        if (!File.Exists(CoturnPath))
        {
            throw new InvalidOperationException($"{CoturnPath} is missing: install Debian's coturn package (scripts/test --with-deps does)");
        }

        return CoturnPath;
    }

    /// <summary>
    /// Our turnutils_oauth: the build of src/turnutils_oauth in this test run's configuration (dotnet test
    /// Turn.sln builds it), else the published bin/turnutils_oauth (scripts/build).
    /// </summary>
    public static string Ours()
    {
        string root = RepoRoot();
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Release";
        string[] candidates =
        [
            Path.Combine(root, "src", "turnutils_oauth", "bin", configuration, "net10.0", "turnutils_oauth"),
            Path.Combine(root, "bin", "turnutils_oauth"),
        ];
        foreach (string path in candidates)
        {
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException(
            "turnutils_oauth is not built: build src/turnutils_oauth (dotnet test Turn.sln does) or run scripts/build; looked at " +
            string.Join(", ", candidates));
    }

    public static Result Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["TZ"] = "UTC";
        using Process p = Process.Start(info) ?? throw new InvalidOperationException("cannot start " + program);
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        Task o = p.StandardOutput.BaseStream.CopyToAsync(stdout);
        Task e = p.StandardError.BaseStream.CopyToAsync(stderr);
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException(program + " did not finish in 60 s");
        }

        Task.WaitAll(o, e);
        return new Result(p.ExitCode, stdout.ToArray(), stderr.ToArray());
    }

    /// <summary>The access_token of an <c>-e</c> run's JSON.</summary>
    public static string AccessToken(Result r)
    {
        const string marker = "\"access_token\":\"";
        string text = r.Stdout;
        int at = text.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, "no access_token in: " + text + r.Stderr);
        int start = at + marker.Length;
        return text[start..text.IndexOf('"', start)];
    }

    private static string RepoRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Turn.sln")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (Turn.sln) above " + AppContext.BaseDirectory);
    }

    internal sealed record Result(int ExitCode, byte[] StdoutBytes, byte[] StderrBytes)
    {
        public string Stdout => Encoding.UTF8.GetString(StdoutBytes);

        public string Stderr => Encoding.UTF8.GetString(StderrBytes);
    }
}
