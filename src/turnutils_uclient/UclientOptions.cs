using System.Globalization;

namespace Turn.Utils.Uclient;

/// <summary>turnutils_uclient's command line: coturn's getopt letters plus our long load-mode options.</summary>
internal sealed class UclientOptions
{
    public const int DefaultPort = 3478;
    public const int DefaultTlsPort = 5349;
    public const int DefaultPeerPort = 3480;

    /// <summary>coturn's sizeof(message_info): the smallest message (number + timestamp).</summary>
    public const int MinMessageLength = 16;

    /// <summary>coturn's STUN_BUFFER_SIZE (65507) minus its 100-byte header allowance.</summary>
    public const int MaxMessageLength = 65_507 - 100;

    private const string FlagLetters = "bZvsyhcxXgtTSAPDNOUMRIGBJ";
    private const string ValueLetters = "adplnLmerwuikzWCEFo";

    public const string Usage =
        "Usage: turnutils_uclient [flags] [options] turn-server-ip-address\n" +
        "Flags:\n" +
        "\t-t\tTCP (default - UDP).\n" +
        "\t-b\tSCTP (not supported).\n" +
        "\t-T\tTCP relay transport (not supported).\n" +
        "\t-P\tPassive TCP (not supported).\n" +
        "\t-S\tSecure connection: TLS for TCP, DTLS for UDP (not supported).\n" +
        "\t-U\tSecure connection with eNULL cipher (not supported).\n" +
        "\t-v\tVerbose.\n" +
        "\t-s\tUse send method.\n" +
        "\t-y\tUse client-to-client connections.\n" +
        "\t-h\tHang on indefinitely after the last sent packet.\n" +
        "\t-c\tNo rtcp connections.\n" +
        "\t-x\tIPv6 relay address requested.\n" +
        "\t-X\tIPv4 relay address explicitly requested.\n" +
        "\t-g\tInclude DONT_FRAGMENT option.\n" +
        "\t-D\tMandatory channel padding (like in pjnath).\n" +
        "\t-N\tNegative tests: random channel numbers in ChannelBind (the server's 400 ends the run, as with coturn).\n" +
        "\t-R\tNegative protocol tests: corrupt ~10% of the datagrams sent in the data phase.\n" +
        "\t-O\tDOS attack mode (quick connect and exit).\n" +
        "\t-M\tICE Mobility engaged (not supported).\n" +
        "\t-I\tDo not set permissions on TURN relay endpoints.\n" +
        "\t-G\tGenerate extra requests (create permissions, channel bind).\n" +
        "\t-B\tRandom disconnect after a few initial packets.\n" +
        "\t-Z\tDual allocation (implies -c).\n" +
        "\t-J\tUse oAuth (not supported).\n" +
        "Options:\n" +
        "\t-l\tMessage length (Default: 100 Bytes).\n" +
        "\t-i\tCertificate file (for secure connections only, optional).\n" +
        "\t-k\tPrivate key file (for secure connections only).\n" +
        "\t-E\tCA file for server certificate verification.\n" +
        "\t-p\tTURN server port (Default: 3478 unsecure, 5349 secure).\n" +
        "\t-n\tNumber of messages to send (Default: 5).\n" +
        "\t-d\tLocal interface device (optional, Linux).\n" +
        "\t-L\tLocal address.\n" +
        "\t-m\tNumber of clients (default is 1).\n" +
        "\t-e\tPeer address.\n" +
        "\t-r\tPeer port (default 3480).\n" +
        "\t-z\tPer-session packet interval in milliseconds (default is 20 ms).\n" +
        "\t-u\tSTUN/TURN user name.\n" +
        "\t-w\tSTUN/TURN user password.\n" +
        "\t-W\tTURN REST API \"plain text\" secret.\n" +
        "\t-C\tTURN REST API timestamp/username separator symbol (character). The default value is ':'.\n" +
        "\t-F\t<cipher-suite> Cipher suite for TLS/DTLS (not supported).\n" +
        "\t-o\t<origin> - the ORIGIN STUN attribute value.\n" +
        "\t-a\t<bytes-per-second> Bandwidth for the bandwidth request in ALLOCATE. The default value is zero.\n" +
        "Load mode (turn-dotnet extension; implies -c, uses -m clients, -l, -e/-r, -s, -u/-w/-W):\n" +
        "\t--load-seconds S\tRun a relay load test for S seconds (after the warm-up) instead of coturn's session test.\n" +
        "\t--rate PPS\tAggregate send rate in packets/s over all clients; 0 (default) = as fast as the window allows.\n" +
        "\t--window N\tPackets in flight per client (default 64; with --rate, 0 = no limit).\n" +
        "\t--warmup S\tSeconds of load before measuring (default 1).\n" +
        "\t--load-direct\tCalibration: send the same packets straight to the peer, without TURN (the generator's ceiling).\n" +
        "\t--load-peer\tBe the echo peer too: bind -e:-r in this process and echo in the same thread (no turnutils_peer;\n" +
        "\t\tthe whole client side of the benchmark on one core).\n" +
        "\t--spin\tNever sleep in the load loop (busy-poll): lower wake-up latency, a full core used.\n" +
        "\t--no-gso\tOne datagram per send even where UDP GSO could batch a client's packets in one system call.\n" +
        "\t--help\tThis text.\n" +
        "Load mode prints relayed packets/s (echoes received back), loss, round-trip p50/p90/p99 (microseconds) and the\n" +
        "generator's own CPU use, then a machine-readable line starting with \"RESULT \".\n";

    public string? Server { get; private set; }
    public int Port { get; private set; }
    public bool Tcp { get; private set; }
    public bool Sctp { get; private set; }
    public bool TcpRelay { get; private set; }
    public bool PassiveTcp { get; private set; }
    public bool Secure { get; private set; }
    public bool Verbose { get; private set; }
    public bool SendIndications { get; private set; }
    public bool ClientToClient { get; private set; }
    public bool HangOn { get; private set; }
    public bool NoRtcp { get; private set; }
    public bool RequestIPv6 { get; private set; }
    public bool RequestIPv4 { get; private set; }
    public bool DontFragment { get; private set; }
    public bool ChannelPadding { get; private set; }
    public bool Negative { get; private set; }
    public bool NegativeProtocol { get; private set; }
    public bool Dos { get; private set; }
    public bool Mobility { get; private set; }
    public bool NoPermissions { get; private set; }
    public bool ExtraRequests { get; private set; }
    public bool RandomDisconnect { get; private set; }
    public bool Dual { get; private set; }
    public bool OAuth { get; private set; }
    public int MessageLength { get; private set; } = 100;
    public int MessageCount { get; private set; } = 5;
    public int Clients { get; private set; } = 1;
    public string? PeerAddress { get; private set; }
    public int PeerPort { get; private set; } = DefaultPeerPort;
    public int IntervalMs { get; private set; } = 20;
    public string User { get; private set; } = "";
    public string Password { get; private set; } = "";
    public string? RestSecret { get; private set; }
    public char RestSeparator { get; private set; } = ':';
    public string? LocalAddress { get; private set; }
    public string? Device { get; private set; }
    public string? Origin { get; private set; }
    public ulong Bandwidth { get; private set; }
    public bool Help { get; private set; }

    public double? LoadSeconds { get; private set; }
    public double Rate { get; private set; }
    public int Window { get; private set; } = 64;
    public double Warmup { get; private set; } = 1;
    public bool LoadDirect { get; private set; }
    public bool Spin { get; private set; }
    public bool NoGso { get; private set; }
    public bool LoadPeer { get; private set; }

    /// <summary>Notes printed before the run (e.g. a message length corrected as coturn does).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Parses the arguments; null and an error text when they are wrong.</summary>
    public static UclientOptions? Parse(string[] args, out string? error)
    {
        var o = new UclientOptions();
        error = null;
        var positional = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                if (!o.ParseLong(a, args, ref i, out error))
                {
                    return null;
                }

                continue;
            }

            if (a.Length < 2 || a[0] != '-')
            {
                positional.Add(a);
                continue;
            }

            for (int j = 1; j < a.Length; j++)
            {
                char c = a[j];
                if (FlagLetters.Contains(c, StringComparison.Ordinal))
                {
                    if (!o.SetFlag(c, out error))
                    {
                        return null;
                    }

                    continue;
                }

                if (!ValueLetters.Contains(c, StringComparison.Ordinal))
                {
                    error = $"invalid option -- '{c}'";
                    return null;
                }

                string? value = j + 1 < a.Length ? a[(j + 1)..] : (i + 1 < args.Length ? args[++i] : null);
                if (value is null)
                {
                    error = $"option requires an argument -- '{c}'";
                    return null;
                }

                if (!o.SetValue(c, value, out error))
                {
                    return null;
                }

                break;
            }
        }

        if (o.Help)
        {
            return o;
        }

        if (positional.Count == 0)
        {
            error = "the TURN server address is missing";
            return null;
        }

        o.Server = positional[0];
        if (o.Dual)
        {
            o.NoRtcp = true;
        }

        if (o.Port == 0)
        {
            o.Port = o.Secure ? DefaultTlsPort : DefaultPort;
        }

        if (o.MessageLength < MinMessageLength)
        {
            o.MessageLength = MinMessageLength;
        }

        if (o.MessageLength > MaxMessageLength)
        {
            o.Notes.Add($"Message length was corrected to {MaxMessageLength}");
            o.MessageLength = MaxMessageLength;
        }

        return o;
    }

    private bool SetFlag(char c, out string? error)
    {
        error = null;
        switch (c)
        {
            case 'b': Sctp = true; Tcp = true; break;
            case 'Z': Dual = true; break;
            case 'v': Verbose = true; break;
            case 's': SendIndications = true; break;
            case 'y': ClientToClient = true; break;
            case 'h': HangOn = true; break;
            case 'c': NoRtcp = true; break;
            case 'x': RequestIPv6 = true; RequestIPv4 = false; break;
            case 'X': RequestIPv4 = true; RequestIPv6 = false; break;
            case 'g': DontFragment = true; break;
            case 't': Tcp = true; break;
            case 'P': PassiveTcp = true; TcpRelay = true; break;
            case 'T': TcpRelay = true; break;
            case 'U':
            case 'S': Secure = true; break;
            case 'D': ChannelPadding = true; break;
            case 'N': Negative = true; break;
            case 'O': Dos = true; break;
            case 'M': Mobility = true; break;
            case 'R': NegativeProtocol = true; break;
            case 'I': NoPermissions = true; break;
            case 'G': ExtraRequests = true; break;
            case 'B': RandomDisconnect = true; break;
            case 'J': OAuth = true; break;
            default:
                // 'A' is in coturn's getopt string but has no meaning there either.
                error = $"invalid option -- '{c}'";
                return false;
        }

        return true;
    }

    private bool SetValue(char c, string value, out string? error)
    {
        error = null;
        switch (c)
        {
            case 'a':
                if (!ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong bps))
                {
                    error = $"bad bandwidth '{value}'";
                    return false;
                }

                Bandwidth = bps;
                return true;
            case 'd': Device = value; return true;
            case 'p': return Int(value, 1, 65535, "port", v => Port = v, out error);
            case 'l': return Int(value, 0, int.MaxValue, "message length", v => MessageLength = v, out error);
            case 'n': return Int(value, 0, int.MaxValue, "number of messages", v => MessageCount = v, out error);
            case 'L': LocalAddress = value; return true;
            case 'm': return Int(value, 0, 1_000_000, "number of clients", v => Clients = v, out error);
            case 'e': PeerAddress = value; return true;
            case 'r': return Int(value, 1, 65535, "peer port", v => PeerPort = v, out error);
            case 'u': User = value; return true;
            case 'w': Password = value; return true;
            case 'z': return Int(value, 0, 3_600_000, "interval", v => IntervalMs = v, out error);
            case 'W': RestSecret = value; return true;
            case 'C':
                if (value.Length == 0)
                {
                    error = "empty REST API separator";
                    return false;
                }

                RestSeparator = value[0];
                return true;
            case 'o': Origin = value; return true;
            default:
                // -i, -k, -E, -F only matter for -S, which is not supported.
                return true;
        }
    }

    private bool ParseLong(string a, string[] args, ref int i, out string? error)
    {
        error = null;
        string name = a;
        string? value = null;
        int eq = a.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0)
        {
            name = a[..eq];
            value = a[(eq + 1)..];
        }

        switch (name)
        {
            case "--help":
                Help = true;
                return true;
            case "--load-direct":
                LoadDirect = true;
                return true;
            case "--spin":
                Spin = true;
                return true;
            case "--no-gso":
                NoGso = true;
                return true;
            case "--load-peer":
                LoadPeer = true;
                return true;
            case "--load-seconds":
            case "--rate":
            case "--window":
            case "--warmup":
                break;
            default:
                error = $"unknown option '{name}'";
                return false;
        }

        if (value is null)
        {
            if (i + 1 >= args.Length)
            {
                error = $"option '{name}' requires an argument";
                return false;
            }

            value = args[++i];
        }

        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) || number < 0 || !double.IsFinite(number))
        {
            error = $"bad value '{value}' for {name}";
            return false;
        }

        switch (name)
        {
            case "--load-seconds":
                if (number <= 0)
                {
                    error = "--load-seconds must be positive";
                    return false;
                }

                LoadSeconds = number;
                break;
            case "--rate": Rate = number; break;
            case "--window": Window = (int)Math.Min(number, 1_000_000); break;
            default: Warmup = number; break;
        }

        return true;
    }

    private static bool Int(string value, int min, int max, string what, Action<int> set, out string? error)
    {
        error = null;
        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
        {
            error = $"bad {what} '{value}'";
            return false;
        }

        set(v);
        return true;
    }
}
