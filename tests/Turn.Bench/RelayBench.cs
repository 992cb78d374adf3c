using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Turn.Bench;

internal sealed record RelayOptions(
    IPEndPoint Server,
    int Clients,
    int Payload,
    string User,
    string Password,
    int ServerPid,
    int ServerCore,
    double Rate,
    double FixedSeconds,
    double WarmupSeconds,
    int Window,
    double SaturateSeconds,
    int TimeoutMs,
    double TrialSeconds,
    int SearchSteps,
    int Allocations,
    int AllocConcurrency,
    int Batch,
    double DisturbedFraction,
    double StealFraction,
    int Retries,
    bool PerClientPeers,
    bool Direct,
    double QuietBudgetSeconds,
    HashSet<string> Phases);

/// <summary>
/// The relay benchmark against one server, phase by phase (see <see cref="Program"/>'s usage): set up the traffic
/// clients, warm up, fixed rate, saturation, 0-loss search, then the allocation phase (RSS and allocations/s).
/// A window disturbed by other processes (their CPU use above <see cref="RelayOptions.DisturbedFraction"/> of a
/// core) is run again, up to <see cref="RelayOptions.Retries"/> times.
/// </summary>
internal static class RelayBench
{
    public const string AllPhases = "fixed,saturate,search,alloc";

    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    public static int Run(RelayOptions o)
    {
        var w = Console.Out;
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Put(string key, double value, string format = "F0") => result[key] = value.ToString(format, Ci);
        double otherTotal = 0, stealTotal = 0;
        int disturbedRetries = 0, keptDisturbed = 0;
        long allocatedBytes = 0;

        w.WriteLine(FormattableString.Invariant($"server            {o.Server}  (pid {(o.ServerPid > 0 ? o.ServerPid.ToString(Ci) : "n/a")})"));
        w.WriteLine(FormattableString.Invariant(
            $"parameters        clients={o.Clients} payload={o.Payload} rate={o.Rate} fixed={o.FixedSeconds}s warmup={o.WarmupSeconds}s window={o.Window} saturate={o.SaturateSeconds}s trial={o.TrialSeconds}s steps={o.SearchSteps} allocations={o.Allocations} alloc-concurrency={o.AllocConcurrency} phases={string.Join(',', o.Phases)}"));

        // The echo peer: one socket per client (connected to its relay address once known) or one shared socket.
        var bindIp = IPAddress.IsLoopback(o.Server.Address) ? IPAddress.Loopback : IPAddress.Any;
        var peers = new Socket[o.PerClientPeers ? o.Clients : 1];
        for (int p = 0; p < peers.Length; p++)
        {
            peers[p] = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                peers[p].ReceiveBufferSize = o.PerClientPeers ? 1 << 20 : 4 << 20;
                peers[p].SendBufferSize = o.PerClientPeers ? 1 << 20 : 4 << 20;
            }
            catch (SocketException)
            {
            }
            peers[p].Bind(new IPEndPoint(bindIp, 0));
        }
        using var closePeers = new Disposer(peers);
        IPEndPoint[] peerEps = [.. peers.Select(p => (IPEndPoint)p.LocalEndPoint!).Select(ep => ep.Address.Equals(IPAddress.Any) ? new IPEndPoint(IPAddress.Loopback, ep.Port) : ep)];
        IPEndPoint peerEp = peerEps[0];

        // ---- traffic clients: Allocate (401 → credentials) + ChannelBind to the peer -----------------------
        using var clients = new TurnSessions(o.Server, o.Clients, o.User, o.Password, peerEps, 1 << 20);
        if (o.Direct)
        {
            // The generator's ceiling: client c <-> peer c directly, no server.
            for (int c = 0; c < o.Clients; c++)
            {
                clients.Reconnect(c, peerEps[c]);
                peers[c].Connect(clients.LocalEndPoint(c));
            }
            w.WriteLine("setup             direct: each client talks to its own peer socket, no server (the generator's own ceiling)");
        }
        else
        {
            HandshakeResult setup = clients.Run(TurnSessions.Goal.AllocateAndBind, o.Clients, o.TimeoutMs * 5, 5);
            w.WriteLine(FormattableString.Invariant($"setup             {setup.Completed}/{o.Clients} clients allocated + channel bound in {setup.Seconds * 1000:F0} ms (errors: {setup.Errors}); {(o.PerClientPeers ? "one peer socket per client, from" : "peer")} {peerEp}, first relay {clients.Relayed(0)}"));
            if (setup.Completed < o.Clients)
            {
                w.WriteLine("RESULT error=setup_failed setup_errors=" + setup.Errors);
                return 1;
            }
            if (o.PerClientPeers)
            {
                for (int c = 0; c < o.Clients; c++) peers[c].Connect(clients.Relayed(c).ToIPEndPoint());
            }
        }

        using var traffic = new RelayTraffic(clients, peers, o.Payload, o.Batch, o.ServerPid, o.ServerCore, o.Direct);

        // Quiet gate: before the first window and before each re-run of a disturbed one, wait (within a budget) until
        // the machine has been idle for a second: other engineers' builds share both cores.
        double waitBudget = o.QuietBudgetSeconds, quietWaited = 0;
        void Quiet(string why)
        {
            if (waitBudget <= 0) return;
            double waited = WaitQuiet(Math.Min(waitBudget, 30), 0.1);
            waitBudget -= waited;
            quietWaited += waited;
            if (waited >= 1) w.WriteLine(FormattableString.Invariant($"  (waited {waited:F0} s for a quiet machine {why}{(waitBudget <= 0 ? "; wait budget used up" : "")})"));
        }

        bool Disturbed(in TrialResult r) => r.OtherCpuSeconds > o.DisturbedFraction * r.Seconds || r.StealSeconds > o.StealFraction * r.Seconds;
        long lastBind = System.Diagnostics.Stopwatch.GetTimestamp();
        TrialResult Measured(Func<TrialResult> run, string what)
        {
            for (int attempt = 0; ; attempt++)
            {
                if (!o.Direct && System.Diagnostics.Stopwatch.GetElapsedTime(lastBind).TotalSeconds > 120)
                {
                    // Permissions last 300 s: refresh the channel bindings (and with them the permissions) on long runs.
                    HandshakeResult rebind = clients.Run(TurnSessions.Goal.Bind, o.Clients, o.TimeoutMs * 5, 5);
                    lastBind = System.Diagnostics.Stopwatch.GetTimestamp();
                    if (rebind.Failed > 0) w.WriteLine($"  channel refresh: {rebind.Failed} failed ({rebind.Errors})");
                }
                TrialResult r = run();
                allocatedBytes += r.AllocatedBytes;
                bool disturbed = Disturbed(r);
                if (!disturbed || attempt >= o.Retries)
                {
                    otherTotal += Math.Max(0, r.OtherCpuSeconds);
                    stealTotal += Math.Max(0, r.StealSeconds);
                    if (disturbed)
                    {
                        keptDisturbed++;
                        w.WriteLine(FormattableString.Invariant($"  {what}: still disturbed after {attempt} re-runs (other CPU {r.OtherCpuSeconds:F2} s, steal {r.StealSeconds:F2} s): kept"));
                    }
                    return r;
                }
                disturbedRetries++;
                w.WriteLine(FormattableString.Invariant($"  {what}: disturbed (other CPU {r.OtherCpuSeconds:F2} s, steal {r.StealSeconds:F2} s in {r.Seconds:F2} s): again"));
                Quiet("before the re-run");
            }
        }

        Quiet("before the first window");
        void Line(string label, in TrialResult r) => w.WriteLine(FormattableString.Invariant(
            $"{label,-17} offered {r.OfferedPerSecond,8:F0}/s relayed {r.RelayedPerSecond,8:F0}/s loss {r.Lost}/{r.Sent} ({r.LossPct:F3} %) rtt p50 {r.P50Micros} p99 {r.P99Micros} p99.9 {r.P999Micros} us; srv cpu {Pct(r.ServerCpuSeconds, r.Seconds)} % ({r.ServerCpuPerMillion:F2} s/M) core{o.ServerCore} {Pct(r.ServerCoreBusySeconds, r.Seconds)} %; gen {Pct(r.GeneratorCpuSeconds, r.Seconds)} %; other {r.OtherCpuSeconds:F2} s; steal {r.StealSeconds:F2} s; lag max {r.MaxLagMicros} us"));

        // ---- fixed rate ----------------------------------------------------------------------------------------
        if (o.Phases.Contains("fixed"))
        {
            traffic.RunPaced(o.Rate, o.WarmupSeconds, 0.3);
            TrialResult f = Measured(() => traffic.RunPaced(o.Rate, o.FixedSeconds, 0.5), "fixed rate");
            Line("fixed rate", f);
            Put("fixed_rate", o.Rate);
            Put("fixed_relayed_ps", f.RelayedPerSecond);
            Put("fixed_loss_pct", f.LossPct, "F4");
            Put("fixed_lost", f.Lost);
            Put("fixed_p50_us", f.P50Micros);
            Put("fixed_p99_us", f.P99Micros);
            Put("fixed_p999_us", f.P999Micros);
            Put("fixed_srv_cpu_s", f.ServerCpuSeconds, "F2");
            Put("fixed_cpu_per_m", f.ServerCpuPerMillion, "F3");
            Put("fixed_core_per_m", f.ServerCoreBusySeconds >= 0 && f.Relayed > 0 ? f.ServerCoreBusySeconds / (f.Relayed / 1e6) : -1, "F3");
            Put("fixed_srv_cpu_pct", f.ServerCpuSeconds >= 0 ? 100 * f.ServerCpuSeconds / f.Seconds : -1, "F1");
            Put("fixed_gen_lag_us", f.MaxLagMicros);
            Put("fixed_other_s", f.OtherCpuSeconds, "F2");
            Put("fixed_dist", Disturbed(f) ? 1 : 0);
        }

        // ---- saturation: closed loop -------------------------------------------------------------------------------
        double saturated = 0;
        if (o.Phases.Contains("saturate") || o.Phases.Contains("search"))
        {
            TrialResult s = Measured(() => traffic.RunWindow(o.Window, 0.5, o.SaturateSeconds, o.TimeoutMs), "saturation");
            Line("saturated", s);
            saturated = s.RelayedPerSecond;
            Put("sat_relayed_ps", s.RelayedPerSecond);
            Put("sat_loss_pct", s.LossPct, "F4");
            Put("sat_p50_us", s.P50Micros);
            Put("sat_p99_us", s.P99Micros);
            Put("sat_srv_cpu_pct", s.ServerCpuSeconds >= 0 ? 100 * s.ServerCpuSeconds / s.Seconds : -1, "F1");
            Put("sat_core_pct", s.ServerCoreBusySeconds >= 0 ? 100 * s.ServerCoreBusySeconds / s.Seconds : -1, "F1");
            Put("sat_gen_cpu_pct", 100 * s.GeneratorCpuSeconds / s.Seconds, "F1");
            Put("sat_cpu_per_m", s.ServerCpuPerMillion, "F3");
            Put("sat_dist", Disturbed(s) ? 1 : 0);
        }

        // ---- highest offered rate with 0 loss: bisection ----------------------------------------------------------
        if (o.Phases.Contains("search") && saturated > 0)
        {
            double lo = 0, hi = 1.25 * saturated, best = 0;
            TrialResult bestTrial = default;
            bool genLimited = false;
            int disturbedTrials = 0;
            for (int step = 0; step < o.SearchSteps; step++)
            {
                double rate = Math.Round((lo + hi) / 2 / 1000) * 1000;
                TrialResult t = Measured(() => traffic.RunPaced(rate, o.TrialSeconds, 0.3), FormattableString.Invariant($"search {rate:F0}/s"));
                bool kept = t.OfferedPerSecond >= 0.98 * rate;
                bool pass = kept && t.Lost == 0 && t.Sent > 0;
                genLimited |= !kept;
                disturbedTrials += Disturbed(t) ? 1 : 0;
                Line(FormattableString.Invariant($"  try {rate,7:F0}/s {(pass ? "ok" : kept ? "LOSS" : "SLOW")}"), t);
                if (pass)
                {
                    lo = rate;
                    if (rate > best)
                    {
                        best = rate;
                        bestTrial = t;
                    }
                }
                else
                {
                    hi = rate;
                }
            }
            w.WriteLine(FormattableString.Invariant($"max 0-loss rate   {best:F0} relayed/s offered ({bestTrial.RelayedPerSecond:F0}/s relayed; bracket {lo:F0}..{hi:F0}){(genLimited ? "  [generator could not keep up with some rates]" : "")}"));
            Put("max0_relayed_ps", best);
            Put("max0_hi", hi);
            Put("max0_p99_us", bestTrial.P99Micros);
            result["max0_gen_limited"] = genLimited ? "1" : "0";
            Put("max0_dist", disturbedTrials);
        }

        // ---- allocations: RSS with 0 and N idle allocations, allocations/s ----------------------------------------
        if (o.Phases.Contains("alloc") && o.Allocations > 0 && !o.Direct)
        {
            HandshakeResult del = clients.Run(TurnSessions.Goal.Delete, o.Clients, o.TimeoutMs * 5, 5);
            Quiet("before the allocations");
            w.WriteLine(FormattableString.Invariant($"deleted           {del.Completed}/{o.Clients} traffic allocations (errors: {del.Errors})"));
            Thread.Sleep(500);
            long rss0 = ReadRssKb(o.ServerPid), anon0 = ReadStatusKb(o.ServerPid, "RssAnon:");
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            using var idle = new TurnSessions(o.Server, o.Allocations, o.User, o.Password, [peerEp], 0);
            double socketsMs = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            double srv0 = LoadGenerator.ReadServerCpuSeconds(o.ServerPid);
            bool cpuOk = LoadGenerator.ReadCpuTimes(-1, out double all0, out _);
            TimeSpan gen0 = Environment.CpuUsage.TotalTime;
            double steal0 = RelayTraffic.ReadStealSeconds();
            HandshakeResult a = idle.Run(TurnSessions.Goal.Allocate, o.AllocConcurrency, 1000, 5);
            double srv1 = LoadGenerator.ReadServerCpuSeconds(o.ServerPid);
            cpuOk &= LoadGenerator.ReadCpuTimes(-1, out double all1, out _);
            double allocOther = cpuOk ? Math.Max(0, all1 - all0 - (Environment.CpuUsage.TotalTime - gen0).TotalSeconds - Math.Max(0, srv1 - srv0)) : -1;
            double allocSteal = RelayTraffic.ReadStealSeconds() - steal0;
            bool allocDisturbed = allocOther > o.DisturbedFraction * a.Seconds || allocSteal > o.StealFraction * a.Seconds;
            Thread.Sleep(1000);
            long rss1 = ReadRssKb(o.ServerPid), anon1 = ReadStatusKb(o.ServerPid, "RssAnon:");
            double cpuMsPer1k = srv0 >= 0 && srv1 >= 0 && a.Completed > 0 ? (srv1 - srv0) * 1000 / (a.Completed / 1000.0) : -1;
            w.WriteLine(FormattableString.Invariant(
                $"allocations       {a.Completed}/{o.Allocations} in {a.Seconds:F2} s = {a.PerSecond:F0}/s ({o.AllocConcurrency} in flight; each: Allocate → 401 → Allocate with MESSAGE-INTEGRITY; errors: {a.Errors}); server cpu {cpuMsPer1k:F0} ms per 1000; {socketsMs:F0} ms to open the sockets; other {allocOther:F2} s, steal {allocSteal:F2} s{(allocDisturbed ? " (DISTURBED)" : "")}"));
            double per1k = rss0 > 0 && rss1 > 0 && a.Completed > 0 ? (rss1 - rss0) / (a.Completed / 1000.0) : -1;
            w.WriteLine(FormattableString.Invariant($"server rss        {rss0 / 1024.0:F1} MB with 0 allocations, {rss1 / 1024.0:F1} MB with {a.Completed}: {per1k / 1024.0:F2} MB per 1000 (anonymous: {anon0 / 1024.0:F1} MB, {anon1 / 1024.0:F1} MB)"));
            Put("allocs_ps", a.PerSecond);
            Put("alloc_ok", a.Completed);
            Put("alloc_failed", a.Failed);
            result["alloc_errors"] = a.Errors;
            Put("alloc_cpu_ms_per_1k", cpuMsPer1k);
            Put("alloc_dist", allocDisturbed ? 1 : 0);
            Put("rss0_kb", rss0);
            Put("rss_kb", rss1);
            Put("rss_per_1k_kb", per1k);
            Put("anon0_kb", anon0);
            Put("anon_kb", anon1);
        }

        w.WriteLine(FormattableString.Invariant($"generator         {allocatedBytes} bytes allocated in the measured windows; gso {(traffic.UsingGso ? "on" : "off")}; late {traffic.Late} foreign {traffic.Foreign} echo-failures {traffic.EchoFailures}"));
        w.WriteLine(FormattableString.Invariant($"other cpu         {otherTotal:F2} s used by other processes and {stealTotal:F2} s stolen by the hypervisor in the kept windows; {disturbedRetries} window(s) re-run as disturbed, {keptDisturbed} kept disturbed"));
        Put("other_cpu_s", otherTotal, "F2");
        Put("steal_s", stealTotal, "F2");
        Put("quiet_waited_s", quietWaited, "F1");
        Put("disturbed_reruns", disturbedRetries);
        Put("disturbed_kept", keptDisturbed);
        Put("gen_alloc_bytes", allocatedBytes);
        w.WriteLine("RESULT " + string.Join(' ', result.Select(kv => kv.Key + "=" + kv.Value)));
        return 0;
    }

    private sealed class Disposer(IDisposable[] items) : IDisposable
    {
        public void Dispose()
        {
            foreach (IDisposable d in items) d.Dispose();
        }
    }

    private static string Pct(double part, double whole) => part < 0 || whole <= 0 ? "n/a" : (100 * part / whole).ToString("F0", Ci);

    /// <summary>
    /// Waits until the whole machine used less than <paramref name="cores"/> of a core over two consecutive half
    /// seconds (the server and this process are idle meanwhile), at most <paramref name="maxSeconds"/>. Returns the wait.
    /// </summary>
    public static double WaitQuiet(double maxSeconds, double cores)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        int calm = 0;
        while (sw.Elapsed.TotalSeconds < maxSeconds)
        {
            if (!LoadGenerator.ReadCpuTimes(-1, out double t0, out double i0)) break;
            Thread.Sleep(500);
            if (!LoadGenerator.ReadCpuTimes(-1, out double t1, out double i1)) break;
            calm = (t1 - t0 + i1 - i0) / 0.5 < cores ? calm + 1 : 0;
            if (calm >= 2) break;
        }
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>VmRSS of a process in kB from /proc/PID/status; -1 if unavailable.</summary>
    public static long ReadRssKb(int pid) => ReadStatusKb(pid, "VmRSS:");

    /// <summary>A kB field of /proc/PID/status (VmRSS:, RssAnon:, ...); -1 if unavailable.</summary>
    public static long ReadStatusKb(int pid, string field)
    {
        if (pid <= 0) return -1;
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
                string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(f[1], Ci);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return -1;
    }
}
