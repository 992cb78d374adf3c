using System.Globalization;

namespace Turn.Interop.Tests.Browser;

/// <summary>
/// Debian's chromium, headless, in its own process group with a private HOME and profile, its
/// DevTools endpoint on a port the kernel picks. Disposing kills the whole group (browser,
/// zygote, renderers, utility processes) and the crash handlers outside it, then deletes HOME.
/// </summary>
internal sealed class HeadlessChromium : IDisposable
{
    public const string Executable = "/usr/bin/chromium";
    private const int SIGKILL = 9;
    private const string ActivePortFile = "DevToolsActivePort";
    private readonly RunningProcess _process;
    private readonly string _home;

    private HeadlessChromium(RunningProcess process, string home, Uri browserEndpoint)
    {
        _process = process;
        _home = home;
        BrowserEndpoint = browserEndpoint;
    }

    /// <summary>ws://127.0.0.1:PORT/devtools/browser/ID: the browser-level DevTools WebSocket.</summary>
    public Uri BrowserEndpoint { get; }

    /// <summary>A clear failure (not a skip) when the package is missing: CI installs it.</summary>
    public static void RequireInstalled()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: run scripts/install-test-deps (installs Debian's chromium package)");
        }
    }

    /// <param name="home">
    /// HOME for the browser: its NSS certificate database is HOME/.pki/nssdb (see
    /// <see cref="TestCertificateAuthority.TrustInNssDb"/>); the profile goes to HOME/profile.
    /// </param>
    /// <param name="extraFlags">More command-line switches (e.g. --host-resolver-rules).</param>
    /// <param name="timeout">How long the browser may take to open its DevTools endpoint.</param>
    public static HeadlessChromium Start(string home, IEnumerable<string> extraFlags, TimeSpan timeout)
    {
        RequireInstalled();
        string profile = Path.Combine(home, "profile");
        Directory.CreateDirectory(profile);
        var args = new List<string>
        {
            $"HOME={home}",
            // setsid (util-linux) makes the browser a process-group leader without forking (our child is
            // not a group leader), so the pid we hold is the group id Dispose kills; env and Debian's
            // /usr/bin/chromium wrapper both exec in place as well.
            "setsid",
            Executable,
            "--headless=new",
            // Chromium refuses to run as root with its sandbox, and unprivileged user namespaces (its
            // other sandbox) are often unavailable in containers. The page is our own, on file://.
            "--no-sandbox",
            $"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-gpu",
            // Shared memory in /tmp rather than /dev/shm, which containers often make 64 MB (Debian's
            // wrapper adds this itself only when its own size check works).
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // Without a media permission (the page never calls getUserMedia) WebRTC does not enumerate
            // adapters: it gathers on the wildcard address (the relay candidates show raddr 0.0.0.0) and
            // the kernel picks 127.0.0.1 as the source towards our server on 127.0.0.1. That works where
            // a default route exists; with loopback only (tried under `unshare -n`) no candidate at all
            // was gathered. This switch lets the loopback network into WebRTC's list: with it every case
            // passes with and without other interfaces. Host candidates stay out either way, as
            // iceTransportPolicy "relay" keeps relay candidates only.
            "--allow-loopback-in-peer-connection",
        };
        args.AddRange(extraFlags);
        args.Add("about:blank");

        // Watched from before the start, so its creation is a signal rather than something to poll for.
        using var portFileChanged = new SemaphoreSlim(0);
        using var watcher = new FileSystemWatcher(profile, ActivePortFile)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        watcher.Created += (_, _) => portFileChanged.Release();
        watcher.Changed += (_, _) => portFileChanged.Release();
        watcher.Renamed += (_, _) => portFileChanged.Release();
        watcher.EnableRaisingEvents = true;

        RunningProcess process = RunningProcess.Start("/usr/bin/env", args, home);
        try
        {
            return new HeadlessChromium(process, home, WaitForEndpoint(process, profile, portFileChanged, timeout));
        }
        catch
        {
            KillGroup(process);
            process.Dispose();
            KillStrays(home);
            throw;
        }
    }

    /// <summary>
    /// The last lines the browser wrote (stderr and stdout), for failure messages, without its
    /// complaints about the missing D-Bus (noise here) and with repeated messages shown once.
    /// </summary>
    public string OutputTail(int lines = 40)
    {
        var kept = new List<string>();
        string? previous = null;
        foreach (string line in _process.Output.Split('\n'))
        {
            if (line.Contains(":ERROR:dbus/", StringComparison.Ordinal))
            {
                continue;
            }

            // "[pid:tid:date/time.micros:LEVEL:file.cc:line] message": compare from the level on.
            int level = line.IndexOf(":ERROR:", StringComparison.Ordinal);
            string message = level >= 0 ? line[level..] : line;
            if (message == previous)
            {
                kept[^1] = kept[^1].EndsWith(" (repeated)", StringComparison.Ordinal) ? kept[^1] : kept[^1] + " (repeated)";
                continue;
            }

            previous = message;
            kept.Add(line);
        }

        return string.Join('\n', kept[Math.Max(0, kept.Count - lines)..]);
    }

    public void Dispose()
    {
        KillGroup(_process);
        _process.Dispose();
        KillStrays(_home);
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// The browser writes PROFILE/DevToolsActivePort (the port, then the browser target's path) once
    /// its DevTools server listens: just after printing "DevTools listening on ws://…" to stderr, so
    /// that line cannot serve as the signal that the file is there.
    /// </summary>
    private static Uri WaitForEndpoint(RunningProcess process, string profile, SemaphoreSlim changed, TimeSpan timeout)
    {
        string path = Path.Combine(profile, ActivePortFile);
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (File.Exists(path))
            {
                string[] lines = File.ReadAllText(path).Split('\n');
                if (lines.Length >= 2 && lines[1].StartsWith("/devtools/browser/", StringComparison.Ordinal)
                    && int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out int port))
                {
                    return new Uri($"ws://127.0.0.1:{port}{lines[1].Trim()}");
                }
            }

            if (process.HasExited)
            {
                throw new InvalidOperationException($"chromium exited before opening its DevTools port; output:\n{process.Output}");
            }

            TimeSpan left = timeout - elapsed.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"chromium wrote no {path} within {timeout}; output:\n{process.Output}");
            }

            // Bounded so a missed notification or the process's exit is noticed.
            changed.Wait(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>
    /// SIGKILL to the whole process group. Should setsid not have run yet (a failure right after the
    /// start), the group does not exist and RunningProcess.Dispose's SIGTERM, then tree kill, apply.
    /// </summary>
    private static void KillGroup(RunningProcess process) => _ = NativeSignals.kill(-process.Id, SIGKILL);

    /// <summary>
    /// The browser starts its crash handlers (chrome_crashpad_handler, even with the crash reporter
    /// off) in sessions of their own, so the group kill misses them; they would exit shortly after
    /// the browser, but are ended here, found by this run's private HOME on their command line
    /// (--database=HOME/.config/chromium/Crash Reports).
    /// </summary>
    private static void KillStrays(string home)
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                string commandLine = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (commandLine.Contains(home + "/", StringComparison.Ordinal))
                {
                    _ = NativeSignals.kill(pid, SIGKILL);
                }
            }
            catch (IOException)
            {
                // gone meanwhile
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
