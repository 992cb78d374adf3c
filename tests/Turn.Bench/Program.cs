using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Turn.Bench;

internal static class Program
{
    private const string Usage = """
        Turn.Bench — STUN Binding, TURN relay (UDP, TCP, TLS) and user-database load generator, used by scripts/bench.

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

          Turn.Bench relay --server IP:PORT [--clients N] [--payload B] [--user U] [--password P]
                           [--rate R] [--fixed S] [--warmup S] [--window W] [--saturate S] [--timeout-ms T]
                           [--trial S] [--steps K] [--allocations M] [--alloc-concurrency C]
                           [--phases fixed,saturate,search,alloc] [--server-pid PID] [--server-core C]
                           [--disturbed F] [--steal F2] [--retries K] [--quiet-budget S] [--batch B] [--peers per-client|shared]
              TURN relay over UDP. N clients each Allocate (long-term credentials: the 401, then USERNAME/REALM/
              NONCE/MESSAGE-INTEGRITY) and ChannelBind 0x4000 to the generator's own echo peer socket, then send
              ChannelData of B payload bytes; the peer sends every payload back to the relay address, so each
              ChannelData is relayed twice (client→peer, peer→client) and "relayed packets/s" counts both.
              Phases: fixed = open loop at R relayed/s (R/2 ChannelData/s, spread evenly over the clients) for S s
              after a warm-up: round trip p50/p99 and server CPU s per million relayed; saturate = closed loop, W
              packets in flight per client: the most the server relays, with its loss; search = bisection of the
              open-loop rate (K trials of S s in 0..1.25 x saturated) for the highest rate with no loss at all;
              alloc = delete the N allocations, server RSS, then M more sockets allocate (C at a time: allocations/s)
              and stay idle, RSS again. A window in which other processes used more than F of a core, or the
              hypervisor stole more than F2 of the time (/proc/stat steal), is re-run
              (up to K times) after waiting for the machine to be idle for a second (at most S seconds of waiting in
              all, also spent before the first window and before the allocations). Ends with one RESULT line.
              Defaults: --clients 50 --payload 160 --user bench --password bench --rate 40000 --fixed 5 --warmup 2
              --window 4 --saturate 2 --timeout-ms 200 --trial 1.5 --steps 6 --allocations 10000
              --alloc-concurrency 64 --disturbed 0.05 --steal 0.05 --retries 2 --quiet-budget 30 --batch 64 --peers per-client
              (per-client: each client's channel goes to its own peer socket, connected to its relay address, which
              echoes a batch with one GSO sendmsg; shared: one unconnected peer socket for all, sendmmsg.)
              --direct on (no --server): no server at all, client c and peer c send to each other: the generator's
              own ceiling (the same sends and receives per round trip as through a relay; run it with --phases saturate).
          Turn.Bench relay-reflect --listen IP:PORT [--batch B]
              Minimal TURN stand-in (401 then unchecked success, ChannelBind, ChannelData both ways): the relay
              benchmark's ceiling reference; runs until killed.

          Turn.Bench stream-relay --server IP:PORT [--tls on|off] [--tls-version auto|1.2|1.3] [--tls-cert FILE] [--clients K] [--window W]
                           [--payload B] [--user U] [--password P] [--warmup S] [--duration S] [--timeout-ms T]
                           [--server-pid PID] [--server-core C] [--disturbed F] [--retries K]
              TURN over TCP (or TLS: SslStream offering the given version, auto = the system's choice; with --tls-cert the server must present
              exactly that PEM certificate), relaying to UDP peers (REQUESTED-TRANSPORT UDP). K connections each
              Allocate (the 401, then long-term credentials) and ChannelBind 0x4000 to their own echo peer socket,
              then keep W ChannelData messages of B payload bytes (padded to 4 over the stream) in flight: a closed
              loop client -> relay -> peer -> relay -> client. Prints payload MB/s relayed (both directions counted),
              server CPU s per GB relayed, the negotiated TLS version and cipher, then one RESULT line. A window in which
              other processes used more than F of a core is measured again (up to K times).
              Defaults: --tls off --tls-version auto --clients 8 --window 16 --payload 1200 --user bench --password bench --warmup 1
              --duration 5 --timeout-ms 500 --disturbed 0.05 --retries 2
          Turn.Bench db-alloc --server IP:PORT [--users M] [--realm R] [--user-prefix user] [--password-prefix pass]
                           [--concurrency C] [--timeout-ms T] [--tries N] [--server-pid PID] [--db-pids P1,P2] [--gen-core C]
              Allocations/s with M different users (userN/passN): "cold", each user's first allocation, then "warm",
              each again from a new socket (the cold allocations stay). C in flight, each Allocate -> 401 -> Allocate
              with MESSAGE-INTEGRITY. Server CPU per 1000 allocations and, with --db-pids, the database's (those
              processes and their children). Defaults: --users 2000 --realm bench.example --concurrency 64
              --timeout-ms 1000 --tries 5
          Turn.Bench db-users --format sql|resp [--first F] [--count M] [--realm R] [--user-prefix user] [--password-prefix pass]
              Prints users F..F+M-1 in coturn's storage format for a bulk load: sql = INSERTs into turnusers_lt in one
              transaction (SQLite, PostgreSQL, MySQL); resp = Redis SET turn/realm/R/user/NAME/key for redis-cli --pipe.
              The key is hex MD5(user:realm:password). Defaults: --first 0 --count 2000 --realm bench.example
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
                "relay" => RunRelay(opts),
                "relay-reflect" => RelayReflector.Run(Endpoint(Required(opts, "listen")), Int(opts, "batch", 64)),
                "stream-relay" => RunStreamRelay(opts),
                "db-alloc" => RunDbAlloc(opts),
                "db-users" => BenchUsers.Write(Console.Out, Required(opts, "format"), Int(opts, "first", 0), Int(opts, "count", 2000),
                    opts.GetValueOrDefault("realm", "bench.example"), opts.GetValueOrDefault("user-prefix", "user"), opts.GetValueOrDefault("password-prefix", "pass")),
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

    private static int RunRelay(Dictionary<string, string> o)
    {
        var opts = new RelayOptions(
            Server: o.ContainsKey("direct") ? new IPEndPoint(IPAddress.Loopback, 9) : Endpoint(Required(o, "server")),
            Clients: Int(o, "clients", 50),
            Payload: Int(o, "payload", 160),
            User: o.GetValueOrDefault("user", "bench"),
            Password: o.GetValueOrDefault("password", "bench"),
            ServerPid: Int(o, "server-pid", 0),
            ServerCore: Int(o, "server-core", -1),
            Rate: Double(o, "rate", 40000),
            FixedSeconds: Double(o, "fixed", 5),
            WarmupSeconds: Double(o, "warmup", 2),
            Window: Int(o, "window", 4),
            SaturateSeconds: Double(o, "saturate", 2),
            TimeoutMs: Int(o, "timeout-ms", 200),
            TrialSeconds: Double(o, "trial", 1.5),
            SearchSteps: Int(o, "steps", 6),
            Allocations: Int(o, "allocations", 10000),
            AllocConcurrency: Int(o, "alloc-concurrency", 64),
            Batch: Int(o, "batch", 64),
            DisturbedFraction: Double(o, "disturbed", 0.05),
            StealFraction: Double(o, "steal", 0.05),
            Retries: Int(o, "retries", 2),
            QuietBudgetSeconds: Double(o, "quiet-budget", 30),
            PerClientPeers: o.GetValueOrDefault("peers", "per-client") switch
            {
                "per-client" => true,
                "shared" => false,
                var v => throw new ArgumentException($"--peers: '{v}' is not per-client/shared"),
            },
            Direct: o.GetValueOrDefault("direct", "off") switch
            {
                "on" => true,
                "off" => false,
                var v => throw new ArgumentException($"--direct: '{v}' is not on/off"),
            },
            Phases: [.. o.GetValueOrDefault("phases", RelayBench.AllPhases).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]);
        if (opts.Server.AddressFamily != AddressFamily.InterNetwork) throw new ArgumentException("--server: IPv4 only");
        if (opts.Clients is < 1 or > 65535 || opts.Window is < 1 or > 65535 || opts.Batch < 1 || opts.Rate <= 0 || opts.FixedSeconds <= 0
            || opts.WarmupSeconds < 0 || opts.SaturateSeconds <= 0 || opts.TrialSeconds <= 0 || opts.SearchSteps < 0 || opts.Allocations < 0
            || opts.AllocConcurrency < 1 || opts.TimeoutMs < 1 || opts.Retries < 0)
            throw new ArgumentException("clients, window, batch, rate, durations, allocations, concurrency and timeout must be positive");
        if (opts.Direct && !opts.PerClientPeers) throw new ArgumentException("--direct on needs --peers per-client");
        if (opts.Payload < RelayWire.MinPayload || opts.Payload > 1400)
            throw new ArgumentException($"--payload: {RelayWire.MinPayload}..1400 bytes");
        foreach (string phase in opts.Phases)
        {
            if (!RelayBench.AllPhases.Split(',').Contains(phase)) throw new ArgumentException($"--phases: unknown phase '{phase}'");
        }
        return RelayBench.Run(opts);
    }

    private static int RunStreamRelay(Dictionary<string, string> o)
    {
        var opts = new StreamRelayOptions(
            Server: Endpoint(Required(o, "server")),
            Tls: o.GetValueOrDefault("tls", "off") switch
            {
                "on" => true,
                "off" => false,
                var v => throw new ArgumentException($"--tls: '{v}' is not on/off"),
            },
            TlsVersions: o.GetValueOrDefault("tls-version", "auto") switch
            {
                "auto" => System.Security.Authentication.SslProtocols.None,
                "1.2" => System.Security.Authentication.SslProtocols.Tls12,
                "1.3" => System.Security.Authentication.SslProtocols.Tls13,
                var v => throw new ArgumentException($"--tls-version: '{v}' is not auto/1.2/1.3"),
            },
            TlsCertFile: o.GetValueOrDefault("tls-cert"),
            Clients: Int(o, "clients", 8),
            Window: Int(o, "window", 16),
            Payload: Int(o, "payload", 1200),
            User: o.GetValueOrDefault("user", "bench"),
            Password: o.GetValueOrDefault("password", "bench"),
            WarmupSeconds: Double(o, "warmup", 1),
            DurationSeconds: Double(o, "duration", 5),
            TimeoutMs: Int(o, "timeout-ms", 500),
            ServerPid: Int(o, "server-pid", 0),
            ServerCore: Int(o, "server-core", -1),
            DisturbedFraction: Double(o, "disturbed", 0.05),
            Retries: Int(o, "retries", 2));
        if (opts.Server.AddressFamily != AddressFamily.InterNetwork) throw new ArgumentException("--server: IPv4 only");
        if (opts.Clients is < 1 or > 65535 || opts.Window is < 1 or > 1024 || opts.WarmupSeconds < 0 || opts.DurationSeconds <= 0
            || opts.TimeoutMs < 1 || opts.Retries < 0)
            throw new ArgumentException("clients, window (up to 1024), durations, timeout and retries must be positive");
        if (opts.Payload < RelayWire.MinPayload || opts.Payload > 8192)
            throw new ArgumentException($"--payload: {RelayWire.MinPayload}..8192 bytes");
        if (opts.TlsCertFile is not null && !File.Exists(opts.TlsCertFile)) throw new ArgumentException($"--tls-cert: {opts.TlsCertFile} does not exist");
        return StreamRelayBench.Run(opts);
    }

    private static int RunDbAlloc(Dictionary<string, string> o)
    {
        var opts = new DbAllocOptions(
            Server: Endpoint(Required(o, "server")),
            Users: Int(o, "users", 2000),
            UserPrefix: o.GetValueOrDefault("user-prefix", "user"),
            PasswordPrefix: o.GetValueOrDefault("password-prefix", "pass"),
            Realm: o.GetValueOrDefault("realm", "bench.example"),
            Concurrency: Int(o, "concurrency", 64),
            TimeoutMs: Int(o, "timeout-ms", 1000),
            Tries: Int(o, "tries", 5),
            ServerPid: Int(o, "server-pid", 0),
            DbPids: [.. o.GetValueOrDefault("db-pids", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : throw new ArgumentException($"--db-pids: '{p}' is not a pid"))],
            GenCore: Int(o, "gen-core", -1));
        if (opts.Server.AddressFamily != AddressFamily.InterNetwork) throw new ArgumentException("--server: IPv4 only");
        if (opts.Users < 1 || opts.Concurrency < 1 || opts.TimeoutMs < 1 || opts.Tries is < 1 or > 255)
            throw new ArgumentException("users, concurrency, timeout and tries (up to 255) must be positive");
        return DbAllocBench.Run(opts);
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
