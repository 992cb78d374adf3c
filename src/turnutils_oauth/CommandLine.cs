namespace Turn.Utils.OAuth;

/// <summary>
/// coturn 4.6.1's option handling (src/apps/oauth/oauth.c): <c>getopt_long(argc, argv,
/// "hvedi:j:k:l:m:n:o:p:q:r:t:u:", long_options)</c> with GNU semantics — options and operands may mix
/// (operands are reported afterwards), short options group (<c>-vde</c>) and take attached values
/// (<c>-iexample.com</c>), long options take <c>=value</c> or the next word and may be abbreviated to a
/// unique prefix, <c>--</c> ends the options. The same diagnostics go to stderr; like coturn,
/// <c>--verbose</c>, <c>--encrypt</c>, <c>--decrypt</c> and <c>--help</c> print the usage and exit 1
/// (coturn's switch has no case for getopt's flag return), so only <c>-v -e -d</c> work.
/// </summary>
internal sealed class CommandLine
{
    public const string Usage =
        "Usage: oauth [ -e / -d ] [options]\n" +
        "Options:\n" +
        "\n" +
        "        -h, --help                       usage\n\n" +
        "        -v, --verbose                    verbose mode\n\n" +
        "        -e, --encrypt                    encrypt token\n" +
        "        -d, --decrypt                    decrypt validate token\n\n" +
        "        -i, --server-name                server name (max. 255 char)\n" +
        "        -j, --auth-key-id                Auth key id (max. 32 char)\n" +
        "        -k, --auth-key                   base64 encoded Auth key\n" +
        "        -l  --auth-key-timestamp         Auth key timestamp (sec since epoch)\n" +
        "        -m, --auth-key-lifetime          Auth key lifetime in sec\n" +
        "        -n, --auth-key-as-rs-alg         Authorization Server(AS) - Resource Server (RS) encryption algorithm\n" +
        "        -o, --token-nonce                base64 encoded nonce base64(12 octet) = 16 char\n" +
        "        -p, --token-mac-key              base64 encoded MAC key base64(32 octet) = 44 char\n" +
        "        -q, --token-timestamp            timestamp in format 64 bit unsigned (Native format - Unix),\n" +
        "                                         so 48 bit for secs since epoch UTC + 16 bit for 1/64000 fractions of a second.\n" +
        "                                         e.g.: the actual unixtimestamp 16 bit left shifted. (Default: actual gmtime)\n" +
        "        -r, --token-lifetime             lifetime in sec (Default: 3600)\n" +
        "        -t, --token                      base64 encoded encrypted token for validation and decryption\n" +
        "        -u, --hmac-alg                   stun client hmac algorithm\n";

    private const string ShortOptions = "hvedi:j:k:l:m:n:o:p:q:r:t:u:";

    // coturn's long_options, in its order (the order getopt lists ambiguous matches in).
    // Code 0 is getopt's "flag set" return, which coturn's switch treats as an unknown option.
    private static readonly (string Name, bool HasArgument, char Code)[] LongOptions =
    [
        ("verbose", false, '\0'),
        ("encrypt", false, '\0'),
        ("decrypt", false, '\0'),
        ("help", false, 'h'),
        ("server-name", true, 'i'),
        ("auth-key-id", true, 'j'),
        ("auth-key", true, 'k'),
        ("auth-key-timestamp", true, 'l'),
        ("auth-key-lifetime", true, 'm'),
        ("auth-key-as-rs-alg", true, 'n'),
        ("token-nonce", true, 'o'),
        ("token-mac-key", true, 'p'),
        ("token-timestamp", true, 'q'),
        ("token-lifetime", true, 'r'),
        ("token", true, 't'),
        ("hmac-alg", true, 'u'),
    ];

    public bool Verbose { get; private set; }
    public bool Encrypt { get; private set; }
    public bool Decrypt { get; private set; }
    public string ServerName { get; private set; } = string.Empty;
    public string Kid { get; private set; } = string.Empty;
    public string AuthKeyBase64 { get; private set; } = string.Empty;
    public uint KeyTimestamp { get; private set; }
    public uint KeyLifetime { get; private set; }
    public string AsRsAlg { get; private set; } = "A256GCM";

    /// <summary>-o decoded and cut to 12 bytes; null = none given or undecodable (a random nonce).</summary>
    public byte[]? Nonce { get; private set; }

    /// <summary>-p decoded and cut to 32 bytes (coturn's OAUTH_MAC_KEY_SIZE); empty = none.</summary>
    public byte[] MacKey { get; private set; } = [];

    public ulong? TokenTimestamp { get; private set; }
    public uint TokenLifetime { get; private set; } = 3600;
    public string TokenBase64 { get; private set; } = string.Empty;
    public string HmacAlg { get; private set; } = "HMAC-SHA1";
    public List<string> Operands { get; } = [];

    /// <summary>
    /// Parses <paramref name="args"/>; null when coturn would exit while parsing, with its stderr text in
    /// <paramref name="error"/> and its exit code in <paramref name="exitCode"/>.
    /// </summary>
    public static CommandLine? Parse(IReadOnlyList<string> args, string programName, out string? error, out int exitCode)
    {
        var c = new CommandLine();
        error = null;
        exitCode = 0;
        bool optionsEnded = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (optionsEnded || arg.Length < 2 || arg[0] != '-')
            {
                c.Operands.Add(arg);
                continue;
            }

            if (arg == "--")
            {
                optionsEnded = true;
                continue;
            }

            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (!c.ParseLong(args, ref i, programName, out error, out exitCode))
                {
                    return null;
                }

                continue;
            }

            // A group of short options: "-vde", "-iexample.com", "-vi example.com".
            for (int j = 1; j < arg.Length; j++)
            {
                char opt = arg[j];
                int at = opt == ':' ? -1 : ShortOptions.IndexOf(opt);
                if (at < 0)
                {
                    error = $"{programName}: invalid option -- '{opt}'\n" + Usage + "\n";
                    exitCode = 1;
                    return null;
                }

                bool takesValue = at + 1 < ShortOptions.Length && ShortOptions[at + 1] == ':';
                if (!takesValue)
                {
                    if (!c.Apply(opt, null, out error, out exitCode))
                    {
                        return null;
                    }

                    continue;
                }

                string value;
                if (j + 1 < arg.Length)
                {
                    value = arg[(j + 1)..];
                }
                else if (i + 1 < args.Count)
                {
                    value = args[++i];
                }
                else
                {
                    error = $"{programName}: option requires an argument -- '{opt}'\n" + Usage + "\n";
                    exitCode = 1;
                    return null;
                }

                if (!c.Apply(opt, value, out error, out exitCode))
                {
                    return null;
                }

                break;
            }
        }

        return c;
    }

    private bool ParseLong(IReadOnlyList<string> args, ref int i, string programName, out string? error, out int exitCode)
    {
        string arg = args[i];
        string body = arg[2..];
        int eq = body.IndexOf('=');
        string name = eq >= 0 ? body[..eq] : body;
        string? value = eq >= 0 ? body[(eq + 1)..] : null;

        int found = -1;
        var prefixMatches = new List<int>();
        for (int k = 0; k < LongOptions.Length; k++)
        {
            if (LongOptions[k].Name == name)
            {
                found = k;
                break;
            }

            if (LongOptions[k].Name.StartsWith(name, StringComparison.Ordinal))
            {
                prefixMatches.Add(k);
            }
        }

        if (found < 0)
        {
            if (prefixMatches.Count == 1)
            {
                found = prefixMatches[0];
            }
            else if (prefixMatches.Count > 1)
            {
                error = $"{programName}: option '{arg}' is ambiguous; possibilities:" +
                    string.Concat(prefixMatches.Select(k => $" '--{LongOptions[k].Name}'")) + "\n" + Usage + "\n";
                exitCode = 1;
                return false;
            }
            else
            {
                error = $"{programName}: unrecognized option '{arg}'\n" + Usage + "\n";
                exitCode = 1;
                return false;
            }
        }

        (string fullName, bool hasArgument, char code) = LongOptions[found];
        if (!hasArgument && value is not null)
        {
            error = $"{programName}: option '--{fullName}' doesn't allow an argument\n" + Usage + "\n";
            exitCode = 1;
            return false;
        }

        if (hasArgument && value is null)
        {
            if (i + 1 >= args.Count)
            {
                error = $"{programName}: option '--{fullName}' requires an argument\n" + Usage + "\n";
                exitCode = 1;
                return false;
            }

            value = args[++i];
        }

        if (code == '\0')
        {
            // getopt set the flag and returned 0; coturn's switch falls to its default branch.
            error = Usage + "\n";
            exitCode = 1;
            return false;
        }

        return Apply(code, value, out error, out exitCode);
    }

    private bool Apply(char option, string? value, out string? error, out int exitCode)
    {
        error = null;
        exitCode = 0;
        string v = value ?? string.Empty;
        switch (option)
        {
            case 'h':
                error = Usage + "\n";
                exitCode = 1;
                return false;
            case 'v':
                Verbose = true;
                break;
            case 'e':
                Encrypt = true;
                break;
            case 'd':
                Decrypt = true;
                break;
            case 'i':
                if (CLength(v) > 255)
                {
                    // coturn prints OAUTH_LTK_ID_SIZE (32) here, not 255.
                    return Fail("Server-name must not exceed 32!\n", out error, out exitCode);
                }

                ServerName = v;
                break;
            case 'j':
                if (CLength(v) > 32)
                {
                    return Fail("Key ID must not exceed 32!\n", out error, out exitCode);
                }

                Kid = v;
                break;
            case 'k':
                if (CLength(v) > 44)
                {
                    return Fail("Key must not exceed 44!\n", out error, out exitCode);
                }

                AuthKeyBase64 = v;
                break;
            case 'l':
                KeyTimestamp = (uint)CNumbers.Atoi(v);
                break;
            case 'm':
                KeyLifetime = (uint)CNumbers.Atoi(v);
                break;
            case 'n':
                if (CLength(v) > 7)
                {
                    return Fail("AS-RS Alg must not exceed 7!\n", out error, out exitCode);
                }

                AsRsAlg = v;
                break;
            case 'o':
                byte[]? nonce = CoturnBase64.Decode(v);
                Nonce = nonce is null || nonce.Length == 0 ? null : nonce[..Math.Min(nonce.Length, 12)];
                break;
            case 'p':
                byte[] mac = CoturnBase64.Decode(v) ?? [];
                MacKey = mac[..Math.Min(mac.Length, 32)];
                break;
            case 'q':
                TokenTimestamp = CNumbers.Strtoull(v);
                break;
            case 'r':
                TokenLifetime = (uint)CNumbers.Atoi(v);
                break;
            case 't':
                if (CLength(v) > 1000)
                {
                    return Fail("base64 encoded encrypted token must not exceed 1000!\n", out error, out exitCode);
                }

                TokenBase64 = v;
                break;
            case 'u':
                if (CLength(v) > 20)
                {
                    return Fail("STUN client HMAC Alg must not exceed 20!\n", out error, out exitCode);
                }

                HmacAlg = v;
                break;
        }

        return true;
    }

    private static bool Fail(string message, out string? error, out int exitCode)
    {
        error = message;
        exitCode = 1;
        return false;
    }

    /// <summary>strlen of the argument as the C program sees it (UTF-8 bytes).</summary>
    private static int CLength(string s) => System.Text.Encoding.UTF8.GetByteCount(s);
}
