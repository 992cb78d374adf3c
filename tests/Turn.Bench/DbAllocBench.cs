using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Turn.Bench;

internal sealed record DbAllocOptions(
    IPEndPoint Server,
    int Users,
    string UserPrefix,
    string PasswordPrefix,
    string Realm,
    int Concurrency,
    int TimeoutMs,
    int Tries,
    int ServerPid,
    int[] DbPids,
    int GenCore);

/// <summary>
/// Allocations per second against a server that reads its users from a database: <c>Users</c> different users
/// (user0/pass0, user1/pass1, ...) each allocate once ("cold": the first time the server authenticates each of
/// them since it started), then each allocates again from a new socket right after ("warm": a server that caches
/// keys answers from its cache). Both phases: <c>Concurrency</c> allocations in flight, each Allocate → 401 →
/// Allocate with MESSAGE-INTEGRITY → success. The cold allocations are left in place (new sockets, new 5-tuples).
/// Measured per phase: allocations/s (first request to last answer), the server's CPU per 1000 allocations and,
/// with <c>DbPids</c>, the database server's (those processes and their children: PostgreSQL's backends).
/// </summary>
internal static class DbAllocBench
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    /// <summary>The unit of the times in /proc/PID/stat (USER_HZ, 100 on Linux).</summary>
    private const int UserHz = 100;

    public static int Run(DbAllocOptions o)
    {
        var w = Console.Out;
        w.WriteLine(FormattableString.Invariant($"server            {o.Server}  (pid {(o.ServerPid > 0 ? o.ServerPid.ToString(Ci) : "n/a")}); database pids {(o.DbPids.Length > 0 ? string.Join(',', o.DbPids) : "none (in-process)")}"));
        w.WriteLine(FormattableString.Invariant(
            $"parameters        users={o.Users} ({o.UserPrefix}N/{o.PasswordPrefix}N, realm {o.Realm}) concurrency={o.Concurrency} timeout={o.TimeoutMs}ms tries={o.Tries}"));

        long tOpen = Stopwatch.GetTimestamp();
        using var cold = new UserAllocations(o.Server, 0, o.Users, o.UserPrefix, o.PasswordPrefix, o.Realm);
        using var warm = new UserAllocations(o.Server, 0, o.Users, o.UserPrefix, o.PasswordPrefix, o.Realm);
        w.WriteLine(FormattableString.Invariant($"sockets           2 x {o.Users} opened in {Stopwatch.GetElapsedTime(tOpen).TotalMilliseconds:F0} ms"));

        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long coldStart = Stopwatch.GetTimestamp();
        Phase("cold", cold);
        double gap = Stopwatch.GetElapsedTime(coldStart).TotalSeconds;
        Phase("warm", warm);
        result["warm_started_s"] = gap.ToString("F2", Ci);
        w.WriteLine(FormattableString.Invariant($"timing            the warm phase started {gap:F2} s after the cold one"));
        w.WriteLine("RESULT " + string.Join(' ', result.Select(kv => kv.Key + "=" + kv.Value)));
        return 0;

        void Phase(string name, UserAllocations set)
        {
            double srv0 = LoadGenerator.ReadServerCpuSeconds(o.ServerPid);
            double db0 = ReadTreeCpuSeconds(o.DbPids);
            bool ok = LoadGenerator.ReadCpuTimes(-1, out double all0, out _);
            double core0 = 0, coreIrq0 = 0;
            if (o.GenCore >= 0) ok &= LoadGenerator.ReadCpuTimes(o.GenCore, out core0, out coreIrq0);
            TimeSpan gen0 = Environment.CpuUsage.TotalTime;
            HandshakeResult r = set.Run(o.Concurrency, o.TimeoutMs, o.Tries);
            double gen = (Environment.CpuUsage.TotalTime - gen0).TotalSeconds;
            double srv1 = LoadGenerator.ReadServerCpuSeconds(o.ServerPid);
            double db1 = ReadTreeCpuSeconds(o.DbPids);
            ok &= LoadGenerator.ReadCpuTimes(-1, out double all1, out _);
            double core1 = 0, coreIrq1 = 0;
            if (o.GenCore >= 0) ok &= LoadGenerator.ReadCpuTimes(o.GenCore, out core1, out coreIrq1);

            double srv = srv0 < 0 || srv1 < 0 ? -1 : srv1 - srv0;
            double db = db0 < 0 || db1 < 0 ? -1 : db1 - db0;
            double per1k = r.Completed > 0 ? 1000.0 / (r.Completed / 1000.0) : -1;
            double srvMs = srv < 0 || per1k < 0 ? -1 : srv * per1k;
            double dbMs = db < 0 || per1k < 0 ? -1 : db * per1k;
            double other = ok ? Math.Max(0, all1 - all0 - gen - Math.Max(0, srv) - Math.Max(0, db)) : -1;
            double genCore = ok && o.GenCore >= 0 && r.Seconds > 0 ? 100 * (core1 + coreIrq1 - core0 - coreIrq0) / r.Seconds : -1;
            w.WriteLine(FormattableString.Invariant(
                $"{name,-17} {r.Completed}/{set.Count} in {r.Seconds:F2} s = {r.PerSecond:F0} allocations/s (errors: {r.Errors}); server cpu {srvMs:F0} ms per 1000 ({Pct(srv, r.Seconds)} % of a core); database cpu {(db < 0 ? "n/a" : dbMs.ToString("F0", Ci))} ms per 1000; generator {Pct(gen, r.Seconds)} %, its core {(genCore < 0 ? "n/a" : genCore.ToString("F0", Ci))} %; other {other:F2} s"));
            result[name + "_allocs_ps"] = r.PerSecond.ToString("F0", Ci);
            result[name + "_ok"] = r.Completed.ToString(Ci);
            result[name + "_failed"] = r.Failed.ToString(Ci);
            result[name + "_errors"] = r.Errors;
            result[name + "_seconds"] = r.Seconds.ToString("F3", Ci);
            result[name + "_cpu_ms_per_1k"] = srvMs.ToString("F1", Ci);
            result[name + "_db_cpu_ms_per_1k"] = dbMs.ToString("F1", Ci);
            result[name + "_srv_cpu_pct"] = (srv < 0 || r.Seconds <= 0 ? -1 : 100 * srv / r.Seconds).ToString("F1", Ci);
            result[name + "_gen_core_pct"] = genCore.ToString("F1", Ci);
            result[name + "_other_cpu_s"] = other.ToString("F2", Ci);
        }
    }

    private static string Pct(double part, double whole) => part < 0 || whole <= 0 ? "n/a" : (100 * part / whole).ToString("F0", Ci);

    /// <summary>
    /// CPU seconds (utime + stime, and cutime + cstime of reaped children) of the given processes and all their
    /// descendants, from /proc/PID/stat; -1 with no roots or when none of them exists.
    /// </summary>
    public static double ReadTreeCpuSeconds(int[] roots)
    {
        if (roots.Length == 0) return -1;
        var parent = new Dictionary<int, int>();
        var ticks = new Dictionary<int, long>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, Ci, out int pid)) continue;
            try
            {
                string stat = File.ReadAllText(dir + "/stat");
                string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // f[0] = field 3 (state), f[1] = ppid, f[11..14] = utime stime cutime cstime (fields 14-17).
                parent[pid] = int.Parse(f[1], Ci);
                ticks[pid] = long.Parse(f[11], Ci) + long.Parse(f[12], Ci) + long.Parse(f[13], Ci) + long.Parse(f[14], Ci);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // the process ended meanwhile
            }
        }
        var inTree = new HashSet<int>(roots.Where(ticks.ContainsKey));
        if (inTree.Count == 0) return -1;
        bool grew = true;
        while (grew)
        {
            grew = false;
            foreach ((int pid, int ppid) in parent)
            {
                if (inTree.Contains(ppid) && inTree.Add(pid)) grew = true;
            }
        }
        return inTree.Sum(p => ticks[p]) / (double)UserHz;
    }
}
