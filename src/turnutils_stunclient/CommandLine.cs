using System.Globalization;

namespace Turn.Utils.Stunclient;

/// <summary>
/// coturn's <c>getopt(argc, argv, "p:L:f")</c> with GNU semantics: options may follow the address, may be
/// grouped (<c>-fp 3478</c>), and an option's value may be attached (<c>-p3478</c>); <c>--</c> ends the options.
/// We add <c>-t seconds</c> (overall timeout), which coturn's tool does not need because it waits forever.
/// </summary>
internal sealed class CommandLine
{
    public const string Program = "turnutils_stunclient";

    // Same text as coturn 4.6.1 (src/apps/stunclient/stunclient.c) plus our -t line.
    public const string Usage =
        "Usage: stunclient [options] address\n" +
        "Options:\n" +
        "        -p      STUN server port (Default: 3478)\n" +
        "        -L      Local address to use (optional)\n" +
        "        -f      Force RFC 5780 processing\n" +
        "        -t      Give up after this many seconds without a response (Default: 39.5, the RFC 8489 schedule)\n";

    public int Port { get; private set; } = 3478;
    public string? LocalAddress { get; private set; }
    public bool ForceRfc5780 { get; private set; }
    public TimeSpan? Timeout { get; private set; }
    public string? ServerAddress { get; private set; }

    /// <summary>Parses; on failure returns null with the diagnostic lines for stderr and the exit code coturn uses.</summary>
    public static CommandLine? Parse(IReadOnlyList<string> args, out string? error, out int exitCode)
    {
        var c = new CommandLine();
        var operands = new List<string>();
        error = null;
        exitCode = 0;
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "--")
            {
                for (int k = i + 1; k < args.Count; k++) operands.Add(args[k]);
                break;
            }
            if (a.Length < 2 || a[0] != '-')
            {
                operands.Add(a);
                continue;
            }
            for (int j = 1; j < a.Length; j++)
            {
                char opt = a[j];
                bool takesValue = opt is 'p' or 'L' or 't';
                if (!takesValue && opt != 'f')
                {
                    // getopt's own message, then coturn's fprintf(stderr, "%s\n", Usage); exit(1).
                    error = $"{Program}: invalid option -- '{opt}'\n{Usage}\n";
                    exitCode = 1;
                    return null;
                }
                if (!takesValue)
                {
                    c.ForceRfc5780 = true;
                    continue;
                }
                string value;
                if (j + 1 < a.Length)
                {
                    value = a[(j + 1)..];
                }
                else if (i + 1 < args.Count)
                {
                    value = args[++i];
                }
                else
                {
                    error = $"{Program}: option requires an argument -- '{opt}'\n{Usage}\n";
                    exitCode = 1;
                    return null;
                }
                switch (opt)
                {
                    case 'p':
                        c.Port = (ushort)Atoi(value); // coturn: atoi(), then truncated to 16 bits by htons
                        break;
                    case 'L':
                        c.LocalAddress = value;
                        break;
                    default:
                        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double secs) || !(secs > 0) || secs > 86_400)
                        {
                            error = $"{Program}: -t needs a number of seconds greater than 0, not '{value}'\n";
                            exitCode = 1;
                            return null;
                        }
                        c.Timeout = TimeSpan.FromSeconds(secs);
                        break;
                }
                break; // the value consumed the rest of this argument
            }
        }

        if (operands.Count == 0)
        {
            error = $"{Usage}\n";
            exitCode = 255; // exit(-1)
            return null;
        }
        c.ServerAddress = operands[0];
        return c;
    }

    /// <summary>C atoi: optional blanks and sign, then digits up to the first non-digit; 0 if none.</summary>
    internal static int Atoi(string s)
    {
        int i = 0;
        while (i < s.Length && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-'))
        {
            negative = s[i] == '-';
            i++;
        }
        long v = 0;
        while (i < s.Length && s[i] >= '0' && s[i] <= '9' && v <= int.MaxValue)
        {
            v = (v * 10) + (s[i] - '0');
            i++;
        }
        if (v > int.MaxValue) v = int.MaxValue;
        return (int)(negative ? -v : v);
    }
}
