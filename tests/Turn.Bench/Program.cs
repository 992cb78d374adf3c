using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Turn.Bench;

internal static class Program
{
    private const string Usage = """
        Turn.Bench — STUN Binding load generator (UDP), used by scripts/bench.

          Turn.Bench run --server IP:PORT [--clients N] [--window W] [--duration S] [--warmup S]
                         [--timeout-ms T] [--batch B] [--server-pid PID] [--server-core C] [--gso on|off]
              N connected UDP sockets, W outstanding Binding requests each, for S seconds after the
              warm-up. Prints sent/received/lost, responses/s, p50/p99 RTT, its own CPU use and (with
              --server-pid) the server's CPU seconds during the measured window (and with --server-core the
              total busy time of that core, softirq included), then one RESULT line.
              Defaults: --clients 32 --window 8 --duration 10 --warmup 2 --timeout-ms 100 --batch 64 --gso on
              (GSO: each socket's burst of requests leaves in one sendmsg with UDP_SEGMENT; same datagrams on the wire).
          Turn.Bench probe --server IP:PORT [--timeout-ms T]
              One Binding request (re-sent every 100 ms); exit 0 when answered, 1 on timeout (default 300 ms).
          Turn.Bench reflect --listen IP:PORT [--batch B]
              Minimal in-place Binding responder (the generator's ceiling reference); runs until killed.
          Turn.Bench freeport [--ip IP]
              Prints a port free for both UDP and TCP on IP (default 127.0.0.1).
        """;

    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            var opts = ParseOptions(args.AsSpan(1));
            return args[0] switch
            {
                "run" => RunLoad(opts),
                "probe" => Probe(opts),
                "reflect" => Reflector.Run(Endpoint(Required(opts, "listen")), Int(opts, "batch", 64)),
                "freeport" => FreePort(opts),
                _ => throw new ArgumentException($"unknown command '{args[0]}'"),
            };
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"Turn.Bench: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
    }

    private static int RunLoad(Dictionary<string, string> o)
    {
        var opts = new LoadOptions(
            Server: Endpoint(Required(o, "server")),
            Clients: Int(o, "clients", 32),
            Window: Int(o, "window", 8),
            DurationSeconds: Double(o, "duration", 10),
            WarmupSeconds: Double(o, "warmup", 2),
            TimeoutMs: Int(o, "timeout-ms", 100),
            Batch: Int(o, "batch", 64),
            ServerPid: Int(o, "server-pid", 0),
            ServerCore: Int(o, "server-core", -1),
            Gso: o.GetValueOrDefault("gso", "on") switch
            {
                "on" => true,
                "off" => false,
                var v => throw new ArgumentException($"--gso: '{v}' is not on/off"),
            });
        if (opts.Clients < 1 || opts.Window < 1 || opts.Batch < 1 || opts.DurationSeconds <= 0 || opts.TimeoutMs < 1)
            throw new ArgumentException("clients, window, batch, duration and timeout must be positive");

        LoadResult r;
        bool gso;
        int gsoErrno;
        using (var gen = new LoadGenerator(opts))
        {
            r = gen.Run();
            gso = gen.UsingGso;
            gsoErrno = gen.GsoDisabledErrno;
        }

        var ci = CultureInfo.InvariantCulture;
        var w = Console.Out;
        w.WriteLine(FormattableString.Invariant($"server            {opts.Server}  (pid {(opts.ServerPid > 0 ? opts.ServerPid.ToString(ci) : "n/a")})"));
        w.WriteLine(FormattableString.Invariant($"parameters        clients={opts.Clients} window={opts.Window} duration={opts.DurationSeconds}s warmup={opts.WarmupSeconds}s timeout={opts.TimeoutMs}ms batch={opts.Batch} gso={(gso ? "on" : opts.Gso ? $"refused (errno {gsoErrno})" : "off")}"));
        w.WriteLine(FormattableString.Invariant($"measured          {r.Seconds:F3} s"));
        w.WriteLine(FormattableString.Invariant($"requests sent     {r.Sent}"));
        w.WriteLine(FormattableString.Invariant($"responses         {r.Received} success, {r.ErrorResponses} error"));
        w.WriteLine(FormattableString.Invariant($"lost (timed out)  {r.Lost}  late {r.Late}  foreign {r.Foreign}  send-failures {r.SendFailures}  refused {r.Refused}"));
        w.WriteLine(FormattableString.Invariant($"responses/s       {r.ResponsesPerSecond:F0}"));
        w.WriteLine(FormattableString.Invariant($"loss              {r.LossFraction * 100:F3} %"));
        w.WriteLine(FormattableString.Invariant($"rtt               p50 {r.P50Micros} us  p99 {r.P99Micros} us  p99.9 {r.P999Micros} us  max~ {r.MaxBucketMicros} us"));
        w.WriteLine(FormattableString.Invariant($"generator cpu     {r.GeneratorCpuSeconds:F2} s = {r.GeneratorCpuFraction * 100:F1} % of one core, {r.AllocatedBytes} bytes allocated in the window"));
        if (r.ServerCpuSeconds >= 0)
        {
            double perMillion = r.Received > 0 ? r.ServerCpuSeconds / (r.Received / 1e6) : double.NaN;
            w.WriteLine(FormattableString.Invariant($"server cpu        {r.ServerCpuSeconds:F2} s = {r.ServerCpuSeconds / r.Seconds * 100:F1} % of one core, {perMillion:F2} s per million responses"));
        }
        if (r.ServerCoreBusySeconds >= 0)
            w.WriteLine(FormattableString.Invariant($"server core busy  {r.ServerCoreBusySeconds:F2} s = {r.ServerCoreBusySeconds / r.Seconds * 100:F1} % (core {opts.ServerCore}: processes + irq/softirq)"));
        if (r.OtherCpuSeconds >= 0)
            w.WriteLine(FormattableString.Invariant($"other cpu         {r.OtherCpuSeconds:F2} s used by other processes during the window (contention if large)"));
        w.WriteLine(
            FormattableString.Invariant($"RESULT seconds={r.Seconds:F3} sent={r.Sent} received={r.Received} errors={r.ErrorResponses} lost={r.Lost} late={r.Late} ") +
            FormattableString.Invariant($"rps={r.ResponsesPerSecond:F0} loss_pct={r.LossFraction * 100:F3} p50_us={r.P50Micros} p99_us={r.P99Micros} ") +
            FormattableString.Invariant($"gen_cpu_s={r.GeneratorCpuSeconds:F2} gen_cpu_pct={r.GeneratorCpuFraction * 100:F1} server_cpu_s={r.ServerCpuSeconds:F2} server_core_busy_s={r.ServerCoreBusySeconds:F2} other_cpu_s={r.OtherCpuSeconds:F2}"));
        return r.Received > 0 ? 0 : 1;
    }

    private static int Probe(Dictionary<string, string> o)
    {
        var server = Endpoint(Required(o, "server"));
        int timeoutMs = Int(o, "timeout-ms", 300);
        using var sock = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        sock.Connect(server);
        Span<byte> req = stackalloc byte[StunWire.HeaderLength];
        uint nonce = (uint)Random.Shared.Next();
        StunWire.WriteRequest(req, nonce, 0, 1);
        Span<byte> buf = stackalloc byte[2048];
        long deadline = Environment.TickCount64 + timeoutMs;
        long nextSend = 0;
        while (true)
        {
            long now = Environment.TickCount64;
            if (now >= deadline) return 1;
            if (now >= nextSend)
            {
                try
                {
                    sock.Send(req);
                }
                catch (SocketException)
                {
                    // ECONNREFUSED from an earlier ICMP error: nothing listening yet.
                }
                nextSend = now + 100;
            }
            int wait = (int)(Math.Min(deadline, nextSend) - now);
            if (!sock.Poll(Math.Max(1, wait) * 1000, SelectMode.SelectRead)) continue;
            int n;
            try
            {
                n = sock.Receive(buf);
            }
            catch (SocketException)
            {
                continue;
            }
            if (StunWire.Classify(buf[..n], nonce, out _, out _) == StunWire.Kind.Success)
            {
                Console.Out.WriteLine($"answered by {server}");
                return 0;
            }
        }
    }

    private static int FreePort(Dictionary<string, string> o)
    {
        var ip = IPAddress.Parse(o.GetValueOrDefault("ip", "127.0.0.1"));
        for (int attempt = 0; attempt < 50; attempt++)
        {
            using var udp = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(ip, 0));
            int port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            // coturn also listens on TCP (and on port+1 for RFC 5780 alternates): want those free too.
            if (!CanBind(ip, port, SocketType.Stream) || !CanBind(ip, port + 1, SocketType.Dgram) || !CanBind(ip, port + 1, SocketType.Stream))
                continue;
            Console.Out.WriteLine(port.ToString(CultureInfo.InvariantCulture));
            return 0;
        }
        Console.Error.WriteLine("Turn.Bench: no free port found");
        return 1;
    }

    private static bool CanBind(IPAddress ip, int port, SocketType type)
    {
        if (port > 65535) return false;
        try
        {
            using var s = new Socket(ip.AddressFamily, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
            s.Bind(new IPEndPoint(ip, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static Dictionary<string, string> ParseOptions(ReadOnlySpan<string> args)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{a}'");
            string key = a[2..];
            int eq = key.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                d[key[..eq]] = key[(eq + 1)..];
            }
            else
            {
                if (i + 1 >= args.Length) throw new ArgumentException($"option --{key} needs a value");
                d[key] = args[++i];
            }
        }
        return d;
    }

    private static string Required(Dictionary<string, string> o, string key) =>
        o.TryGetValue(key, out var v) ? v : throw new ArgumentException($"--{key} is required");

    private static int Int(Dictionary<string, string> o, string key, int dflt) =>
        !o.TryGetValue(key, out var v) ? dflt
        : int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int x) ? x
        : throw new ArgumentException($"--{key}: '{v}' is not an integer");

    private static double Double(Dictionary<string, string> o, string key, double dflt) =>
        !o.TryGetValue(key, out var v) ? dflt
        : double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) ? x
        : throw new ArgumentException($"--{key}: '{v}' is not a number");

    private static IPEndPoint Endpoint(string s) =>
        IPEndPoint.TryParse(s, out var ep) && ep.Port != 0 ? ep : throw new ArgumentException($"'{s}' is not IP:PORT");
}
