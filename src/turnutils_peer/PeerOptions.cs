using System.Globalization;
using System.Net;

namespace Turn.Utils.Peer;

/// <summary>turnutils_peer's command line, as coturn's: -p port, -L address (repeatable), -d device, -v.</summary>
internal sealed class PeerOptions
{
    public const int DefaultPort = 3480;

    public const string Usage =
        "Usage: turnutils_peer [options]\n" +
        "A UDP echo server: every datagram is sent back to its source. It listens on port and port+1 of each\n" +
        "address (turnutils_uclient's RTP/RTCP sessions use both).\n" +
        "Options:\n" +
        "        -p      Listening UDP port (Default: 3480)\n" +
        "        -d      Listening interface device (optional, Linux, needs CAP_NET_RAW)\n" +
        "        -L      Listening address (repeatable; default: 0.0.0.0 and ::)\n" +
        "        -v      verbose\n" +
        "        --no-gso  one sendmmsg per batch, no UDP GSO grouping of echoes to the same source\n" +
        "        --help  this text\n";

    public int Port { get; private set; } = DefaultPort;

    public List<IPAddress> Addresses { get; } = [];

    public bool DefaultAddresses { get; private set; }

    public string? Device { get; private set; }

    public bool Verbose { get; private set; }

    public bool NoGso { get; private set; }

    /// <summary>Parses getopt-style arguments ("-p 3480", "-p3480", "-vL ::1"). Null and an error text on failure.</summary>
    public static PeerOptions? Parse(string[] args, out string? error, out bool help)
    {
        var o = new PeerOptions();
        error = null;
        help = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--help")
            {
                help = true;
                return o;
            }

            if (a == "--no-gso")
            {
                o.NoGso = true;
                continue;
            }

            if (a.Length < 2 || a[0] != '-')
            {
                error = $"unexpected argument '{a}'";
                return null;
            }

            for (int j = 1; j < a.Length; j++)
            {
                char c = a[j];
                if (c == 'v')
                {
                    o.Verbose = true;
                    continue;
                }

                if (c is not ('p' or 'L' or 'd'))
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

                switch (c)
                {
                    case 'p':
                        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
                        {
                            error = $"bad port '{value}'";
                            return null;
                        }

                        o.Port = port;
                        break;
                    case 'L':
                        if (!IPAddress.TryParse(value, out IPAddress? address))
                        {
                            error = $"bad listening address '{value}'";
                            return null;
                        }

                        o.Addresses.Add(address);
                        break;
                    default:
                        o.Device = value;
                        break;
                }

                break;
            }
        }

        if (o.Addresses.Count == 0)
        {
            o.DefaultAddresses = true;
            o.Addresses.Add(IPAddress.Any);
            o.Addresses.Add(IPAddress.IPv6Any);
        }

        return o;
    }
}
