using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Turn.AdminTool;

namespace Turn.UserDb.Tests;

/// <summary>A private temporary directory, removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "turn-userdb-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>What one turnadmin run printed.</summary>
/// <param name="ExitCode">Process exit code.</param>
/// <param name="Stdout">Standard output without coturn's log lines.</param>
/// <param name="Stderr">Standard error.</param>
/// <param name="Log">coturn's log lines (it logs to stdout as "N: : text").</param>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr, string Log)
{
    public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public string FirstStderrLine => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? string.Empty;

    public override string ToString() => $"exit {ExitCode}\n--stdout--\n{Stdout}--stderr--\n{Stderr}--log--\n{Log}";
}

/// <summary>Our turnadmin, run in-process through <see cref="TurnAdminCli"/>.</summary>
internal static class Ours
{
    public static CliResult Run(params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        int code = TurnAdminCli.RunAsync(args, stdout, stderr, CancellationToken.None).GetAwaiter().GetResult();
        return new CliResult(code, stdout.ToString(), stderr.ToString(), string.Empty);
    }
}

/// <summary>coturn 4.6.1's /usr/bin/turnadmin (Debian package "coturn"), the reference implementation.</summary>
internal static partial class Coturn
{
    public const string TurnAdmin = "/usr/bin/turnadmin";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static void RequireInstalled()
    {
        if (!System.IO.File.Exists(TurnAdmin))
        {
            Assert.Fail($"coturn's turnadmin is missing ({TurnAdmin}): install Debian's coturn package (apt-get install coturn); "
                + "these tests compare against it.");
        }
    }

    /// <summary>
    /// Runs coturn's turnadmin. Unless the arguments name a database (-b), "-b <scratch>" is appended, so that coturn
    /// never touches the system database (/var/lib/turn/turndb): even -k opens it there.
    /// </summary>
    public static CliResult Run(string scratchDb, params string[] args) => Run(scratchDb, true, args);

    /// <summary>
    /// Runs coturn's turnadmin exactly with <paramref name="args"/>: only for command lines that end during option
    /// parsing (-h, -P -p, -x, -E/-v with -f), which never open a database.
    /// </summary>
    public static CliResult RunWithoutDatabase(params string[] args) => Run(string.Empty, false, args);

    private static CliResult Run(string scratchDb, bool addDatabase, string[] args)
    {
        RequireInstalled();
        var psi = new ProcessStartInfo(TurnAdmin)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (addDatabase && !args.Any(a => a is "-b" or "--userdb" or "--db" || a.StartsWith("--userdb=", StringComparison.Ordinal) || a.StartsWith("--db=", StringComparison.Ordinal)))
        {
            psi.ArgumentList.Add("-b");
            psi.ArgumentList.Add(scratchDb);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + TurnAdmin);
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"coturn's turnadmin {string.Join(' ', args)} did not finish within {Timeout.TotalSeconds} s");
        }

        process.WaitForExit();
        var output = new StringBuilder();
        var log = new StringBuilder();
        foreach (string line in stdout.Result.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            (LogLine().IsMatch(line) ? log : output).Append(line).Append('\n');
        }

        // The usage text starts with an empty line: keep stdout verbatim when it holds no log line.
        string outText = log.Length == 0 ? stdout.Result : output.ToString();
        DeleteOwnLogFile(log.ToString(), process.Id);

        // glibc prefixes its messages with argv[0], here the full path; ours says "turnadmin" as a shell user sees it.
        string errText = stderr.Result.Replace(TurnAdmin + ": ", "turnadmin: ", StringComparison.Ordinal);
        return new CliResult(process.ExitCode, outText, errText, log.ToString());
    }

    // coturn writes every log line to a file too ("log file opened: /var/log/turn_<pid>_<date>.log"); that file is this
    // run's own (its name holds the process id), so remove it rather than leave hundreds behind.
    private static void DeleteOwnLogFile(string log, int pid)
    {
        Match m = LogFileOpened().Match(log);
        if (m.Success && System.IO.Path.GetFileName(m.Groups[1].Value).StartsWith($"turn_{pid}_", StringComparison.Ordinal))
        {
            try
            {
                System.IO.File.Delete(m.Groups[1].Value);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    [GeneratedRegex(@"log file opened: (\S+)")]
    private static partial Regex LogFileOpened();

    // coturn's log line prefix (uptime, then level tag): "0: : SQLite connection was closed."
    [GeneratedRegex(@"^\d+: ")]
    private static partial Regex LogLine();
}
