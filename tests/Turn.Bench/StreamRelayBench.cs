using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Turn.Bench;

internal sealed record StreamRelayOptions(
    IPEndPoint Server,
    bool Tls,
    SslProtocols TlsVersions,
    string? TlsCertFile,
    int Clients,
    int Window,
    int Payload,
    string User,
    string Password,
    double WarmupSeconds,
    double DurationSeconds,
    int TimeoutMs,
    int ServerPid,
    int ServerCore,
    double DisturbedFraction,
    int Retries);

/// <summary>
/// TURN over TCP or TLS, relaying to UDP peers: <c>Clients</c> stream connections, each with an allocation
/// (REQUESTED-TRANSPORT UDP) and a channel to its own echo peer socket, run a closed loop of ChannelData with
/// <c>Window</c> messages in flight (<see cref="StreamTurnClient"/>); the peers echo on one thread
/// (<see cref="PeerEcho"/>). Measured: payload bytes relayed per second in both directions (client → peer as
/// the peers count them, peer → client as the clients do), and the server's CPU seconds per GB relayed.
/// A window in which other processes used more than <c>DisturbedFraction</c> of a core is measured again
/// right away (up to <c>Retries</c> times); the least disturbed one is kept.
/// </summary>
internal static class StreamRelayBench
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    private readonly record struct Snapshot(long T, long PeerBytes, long ClientBytes, long Messages, long Lost, TimeSpan Gen, double Srv,
        bool CpuOk, double All, double CoreTasks, double CoreIrq, double Steal);

    public static int Run(StreamRelayOptions o)
    {
        var w = Console.Out;
        string transport = o.Tls ? "tls" : "tcp";
        w.WriteLine(FormattableString.Invariant($"server            {o.Server} over {transport.ToUpperInvariant()}  (pid {(o.ServerPid > 0 ? o.ServerPid.ToString(Ci) : "n/a")})"));
        w.WriteLine(FormattableString.Invariant(
            $"parameters        transport={transport}{(o.Tls ? $" tls-offered={(o.TlsVersions == SslProtocols.None ? "system-default" : o.TlsVersions.ToString())}" : "")} clients={o.Clients} window={o.Window} payload={o.Payload} warmup={o.WarmupSeconds}s duration={o.DurationSeconds}s timeout={o.TimeoutMs}ms"));

        X509Certificate2? expected = o.TlsCertFile is null ? null : X509Certificate2.CreateFromPem(File.ReadAllText(o.TlsCertFile));
        using var peers = new PeerEcho(o.Clients, o.Payload);
        var clients = new StreamTurnClient[o.Clients];
        try
        {
            long t0 = Stopwatch.GetTimestamp();
            try
            {
                Task<StreamTurnClient>[] connecting = [.. Enumerable.Range(0, o.Clients).Select(_ => StreamTurnClient.ConnectAsync(o.Server, o.Tls, o.TlsVersions, expected, 5000))];
                Task.WaitAll(connecting);
                for (int c = 0; c < o.Clients; c++) clients[c] = connecting[c].Result;
                Task[] setup = [.. Enumerable.Range(0, o.Clients).Select(c => clients[c].AllocateAndBindAsync(o.User, o.Password, peers.EndPoint(c), 10000))];
                Task.WaitAll(setup);
            }
            catch (AggregateException e)
            {
                string why = e.InnerExceptions[0].Message.Replace('\n', ' ');
                w.WriteLine($"setup             FAILED: {why}");
                w.WriteLine("RESULT error=setup_failed transport=" + transport);
                return 1;
            }
            StreamTurnClient first = clients[0];
            string tlsProtocol = first.TlsProtocol?.ToString() ?? "none";
            string tlsCipher = first.TlsCipher?.ToString() ?? "none";
            w.WriteLine(FormattableString.Invariant(
                $"setup             {o.Clients} connections allocated + channel bound in {Stopwatch.GetElapsedTime(t0).TotalMilliseconds:F0} ms; first relay {first.Relayed}{(o.Tls ? $"; TLS {tlsProtocol} {tlsCipher}{(expected is null ? " (certificate not checked)" : " (the expected certificate)")}" : "")}"));
            for (int c = 0; c < o.Clients; c++)
            {
                peers.ConnectTo(c, clients[c].Relayed.ToIPEndPoint());
                clients[c].PrepareTraffic(c, o.Window, o.Payload, (uint)Random.Shared.Next() | 1u);
            }

            peers.Start();
            Task[] loops = [.. clients.Select(c => Task.Run(c.RunAsync))];
            long timeoutTicks = o.TimeoutMs * Stopwatch.Frequency / 1000;
            void Pass(double seconds)
            {
                long end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
                while (true)
                {
                    long left = end - Stopwatch.GetTimestamp();
                    if (left <= 0) return;
                    Thread.Sleep((int)Math.Clamp(left * 1000 / Stopwatch.Frequency, 1, 100));
                    Task.WaitAll([.. clients.Select(c => c.KickAsync(timeoutTicks))]);
                }
            }
            Snapshot Snap()
            {
                long peerBytes = peers.Bytes, clientBytes = 0, messages = peers.Datagrams, lost = 0;
                foreach (StreamTurnClient c in clients)
                {
                    clientBytes += c.RxBytes;
                    messages += c.RxMessages;
                    lost += c.Lost;
                }
                bool ok = LoadGenerator.ReadCpuTimes(-1, out double all, out _);
                double coreTasks = 0, coreIrq = 0;
                if (o.ServerCore >= 0) ok &= LoadGenerator.ReadCpuTimes(o.ServerCore, out coreTasks, out coreIrq);
                return new Snapshot(Stopwatch.GetTimestamp(), peerBytes, clientBytes, messages, lost, Environment.CpuUsage.TotalTime,
                    LoadGenerator.ReadServerCpuSeconds(o.ServerPid), ok, all, coreTasks, coreIrq, RelayTraffic.ReadStealSeconds());
            }

            Pass(o.WarmupSeconds);
            Window? kept = null;
            int reruns = 0;
            for (int attempt = 0; attempt <= o.Retries; attempt++)
            {
                Snapshot a = Snap();
                Pass(o.DurationSeconds);
                Snapshot b = Snap();
                var win = new Window(a, b);
                w.WriteLine(FormattableString.Invariant(
                    $"window {attempt + 1}          {win.Seconds:F2} s: relayed {win.MBps:F1} MB/s ({win.MessagesPerSecond:F0} msg/s; client->peer {win.PeerBytes / 1e6 / win.Seconds:F1}, peer->client {win.ClientBytes / 1e6 / win.Seconds:F1} MB/s); srv cpu {Pct(win.Srv, win.Seconds)} % ({win.SrvPerGb:F2} s/GB); core{o.ServerCore} {Pct(win.Core, win.Seconds)} %; gen {Pct(win.Gen, win.Seconds)} %; other {win.Other:F2} s; steal {win.Steal:F2} s; lost {win.Lost}"));
                if (kept is null || win.Other < kept.Other) kept = win;
                if (win.Other >= 0 && win.Other <= o.DisturbedFraction * win.Seconds) break;
                if (attempt < o.Retries)
                {
                    reruns++;
                    w.WriteLine(FormattableString.Invariant($"  disturbed (other processes used {win.Other:F2} CPU s): measuring again"));
                }
            }

            foreach (StreamTurnClient c in clients) c.Dispose();
            try
            {
                Task.WaitAll(loops, 2000);
            }
            catch (AggregateException e)
            {
                w.WriteLine("connections       a traffic loop failed: " + e.InnerExceptions[0].Message.Replace('\n', ' '));
            }
            string failures = string.Join("; ", clients.Select((c, i) => c.Failure is null ? null : $"client {i}: {c.Failure}").Where(s => s is not null));
            if (failures.Length > 0) w.WriteLine("connections       " + failures);
            Window k = kept!;
            w.WriteLine(FormattableString.Invariant(
                $"generator         late {clients.Sum(c => c.Late)} foreign {clients.Sum(c => c.Foreign)} (peer side {peers.Foreign}) echo-failures {peers.EchoFailures}"));
            w.WriteLine(
                FormattableString.Invariant($"RESULT transport={transport} seconds={k.Seconds:F3} relayed_bytes={k.PeerBytes + k.ClientBytes} mbps={k.MBps:F2} msgs_ps={k.MessagesPerSecond:F0} ") +
                FormattableString.Invariant($"srv_cpu_s={k.Srv:F2} srv_cpu_pct={(k.Srv < 0 ? -1 : 100 * k.Srv / k.Seconds):F1} cpu_s_per_gb={k.SrvPerGb:F3} core_s_per_gb={k.CorePerGb:F3} ") +
                FormattableString.Invariant($"core_pct={(k.Core < 0 ? -1 : 100 * k.Core / k.Seconds):F1} gen_cpu_pct={100 * k.Gen / k.Seconds:F1} other_cpu_s={k.Other:F2} steal_s={k.Steal:F2} lost={k.Lost} ") +
                FormattableString.Invariant($"dist={(k.Other > o.DisturbedFraction * k.Seconds ? 1 : 0)} reruns={reruns} failed_connections={clients.Count(c => c.Failure is not null)} tls_protocol={tlsProtocol} tls_cipher={tlsCipher}"));
            return 0;
        }
        finally
        {
            foreach (StreamTurnClient? c in clients) c?.Dispose();
        }
    }

    private static string Pct(double part, double whole) => part < 0 || whole <= 0 ? "n/a" : (100 * part / whole).ToString("F0", Ci);

    private sealed class Window(Snapshot a, Snapshot b)
    {
        public double Seconds { get; } = (b.T - a.T) / (double)Stopwatch.Frequency;
        public long PeerBytes { get; } = b.PeerBytes - a.PeerBytes;
        public long ClientBytes { get; } = b.ClientBytes - a.ClientBytes;
        public long Messages { get; } = b.Messages - a.Messages;
        public long Lost { get; } = b.Lost - a.Lost;
        public double Gen { get; } = (b.Gen - a.Gen).TotalSeconds;
        public double Srv { get; } = a.Srv < 0 || b.Srv < 0 ? -1 : b.Srv - a.Srv;
        public double Core { get; } = a.CpuOk && b.CpuOk ? b.CoreTasks + b.CoreIrq - a.CoreTasks - a.CoreIrq : -1;
        public double Steal { get; } = a.Steal >= 0 && b.Steal >= 0 ? b.Steal - a.Steal : -1;

        /// <summary>CPU time used on the whole machine by anything but the generator and the server; -1 if unknown.</summary>
        public double Other { get; } = a.CpuOk && b.CpuOk
            ? Math.Max(0, b.All - a.All - (b.Gen - a.Gen).TotalSeconds - Math.Max(0, a.Srv < 0 || b.Srv < 0 ? 0 : b.Srv - a.Srv))
            : -1;

        public double MBps => (PeerBytes + ClientBytes) / 1e6 / Seconds;
        public double MessagesPerSecond => Messages / Seconds;
        public double SrvPerGb => Srv < 0 || PeerBytes + ClientBytes == 0 ? -1 : Srv / ((PeerBytes + ClientBytes) / 1e9);
        public double CorePerGb => Core < 0 || PeerBytes + ClientBytes == 0 ? -1 : Core / ((PeerBytes + ClientBytes) / 1e9);
    }
}
