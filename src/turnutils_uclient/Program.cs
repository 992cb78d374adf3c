using Turn.Utils.Uclient;

// turnutils_uclient: coturn's TURN test client (same flags, same output), plus a load mode (--load-seconds).
UclientOptions? options = UclientOptions.Parse(args, out string? error);
if (options is { Help: true })
{
    Console.Out.Write(UclientOptions.Usage);
    return 0;
}

if (options is null)
{
    Console.Error.WriteLine($"turnutils_uclient: {error}");
    Console.Error.WriteLine(UclientOptions.Usage);
    return error is not null && error.StartsWith("the TURN server address", StringComparison.Ordinal) ? 255 : 1;
}

string? unsupported =
    options.Sctp ? "SCTP (-b)" :
    options.Secure ? "TLS/DTLS (-S, -U)" :
    options.TcpRelay ? "TCP relay (-T, -P)" :
    options.OAuth ? "oAuth (-J)" :
    options.Mobility ? "ICE mobility (-M)" :
    !Turn.Utils.Uclient.Native.Libc.Usable ? "this operating system (64-bit Linux only)" :
    null;
if (unsupported is not null)
{
    CoturnLog.Error($"{unsupported} is not supported yet by this turnutils_uclient");
    return 1;
}

foreach (string note in options.Notes)
{
    Console.Error.WriteLine(note);
}

try
{
    var setup = new Setup(options);
    if (options.LoadSeconds is not null)
    {
        return new LoadTest(options, setup).Run();
    }

    return new SessionTest(options, setup).Run();
}
catch (UclientExitException e)
{
    if (e.Error is not null)
    {
        CoturnLog.Error(e.Error);
    }

    return e.ExitCode;
}
