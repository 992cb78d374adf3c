using System.Globalization;
using System.Text.RegularExpressions;

namespace Turn.Client.Tests.Turn;

/// <summary>
/// Our turnutils_uclient against a TURN server (coturn's in one class, ours in the other), with our turnutils_peer
/// as the echo peer: every mode of coturn's session test must relay everything (0% loss), and a wrong password must
/// end with coturn's "ERROR: Cannot complete Allocation" and a non-zero exit code.
/// </summary>
public abstract partial class UclientTests<TFixture>(TFixture relay)
    where TFixture : RelayFixture
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(40);

    protected TFixture Relay { get; } = relay;

    [Fact]
    public Task Channels() => AssertNoLossAsync(sessions: 2, "-m", "2");

    [Fact]
    public Task SendIndications() => AssertNoLossAsync(sessions: 2, "-s", "-m", "2");

    [Fact]
    public Task ClientToClient() => AssertNoLossAsync(sessions: 4, "-y", "-m", "4");

    [Fact]
    public Task ClientToClientWithSendIndications() => AssertNoLossAsync(sessions: 2, "-y", "-s", "-c", "-m", "2");

    [Fact]
    public Task NoRtcp() => AssertNoLossAsync(sessions: 3, "-c", "-m", "3");

    [Fact]
    public Task IPv6Relay() => NoLossToPeerAsync(sessions: 2, peer: "::1", "-x", "-m", "2");

    [Fact]
    public Task IPv4RelayExplicit() => AssertNoLossAsync(sessions: 2, "-X", "-m", "2");

    [Fact]
    public Task DontFragment() => AssertNoLossAsync(sessions: 2, "-g", "-s", "-m", "2");

    [Fact]
    public Task DualAllocation() => AssertNoLossAsync(sessions: 2, "-Z", "-m", "2");

    [Fact]
    public Task DualAllocationToIPv6Peer() => NoLossToPeerAsync(sessions: 1, peer: "::1", "-Z", "-m", "1");

    [Fact]
    public Task ExtraRequests() => AssertNoLossAsync(sessions: 2, "-G", "-m", "2");

    [Fact]
    public Task RestApiCredentials() => NoLossRestAsync(sessions: 2, "-c", "-m", "2");

    [Fact]
    public Task TenClientsHundredMessagesOf1200Bytes()
        => RunNoLossAsync(sessions: 10, messages: 100, interval: 20, length: 1200, peer: "127.0.0.1", server: null, rest: false, ["-m", "10"]);

    [Fact]
    public async Task WrongPasswordFailsTheAllocation()
    {
        (int code, string output) = await RunAsync(["-u", RelayFixture.User, "-w", "wrong", "-e", "127.0.0.1", "-r", Relay.PeerPort.ToString(CultureInfo.InvariantCulture),
            "-p", Relay.Port.ToString(CultureInfo.InvariantCulture), "-n", "5", "127.0.0.1"]);
        Assert.NotEqual(0, code);
        Assert.Contains("ERROR: Cannot complete Allocation", output);
    }

    [Fact]
    public async Task LoadModeRelaysAndReports()
    {
        (int code, string output) = await RunAsync(["--load-seconds", "1", "--warmup", "0.2", "--rate", "2000", "-m", "4",
            "-u", RelayFixture.User, "-w", RelayFixture.Password, "-e", "127.0.0.1", "-r", Relay.PeerPort.ToString(CultureInfo.InvariantCulture),
            "-p", Relay.Port.ToString(CultureInfo.InvariantCulture), "127.0.0.1"]);
        Assert.True(code == 0, output);
        Match m = ResultLine().Match(output);
        Assert.True(m.Success, output);
        double pps = double.Parse(m.Groups["pps"].Value, CultureInfo.InvariantCulture);
        double loss = double.Parse(m.Groups["loss"].Value, CultureInfo.InvariantCulture);
        Assert.True(pps > 1000, $"{Relay.Name}: {pps} packets/s\n{output}");
        Assert.True(loss < 1, $"{Relay.Name}: {loss}% loss\n{output}");
    }

    protected Task AssertNoLossAsync(int sessions, params string[] flags)
        => RunNoLossAsync(sessions, messages: 20, interval: 5, length: 100, peer: "127.0.0.1", server: null, rest: false, flags);

    protected Task NoLossToPeerAsync(int sessions, string peer, params string[] flags)
        => RunNoLossAsync(sessions, messages: 20, interval: 5, length: 100, peer, server: null, rest: false, flags);

    protected Task NoLossRestAsync(int sessions, params string[] flags)
        => RunNoLossAsync(sessions, messages: 20, interval: 5, length: 100, peer: "127.0.0.1", Relay.RestPort, rest: true, flags);

    /// <summary>Runs the session test and checks coturn's summary: everything sent came back, exit code 0.</summary>
    protected async Task RunNoLossAsync(int sessions, int messages, int interval, int length, string peer, int? server, bool rest, string[] flags)
    {
        var args = new List<string>(flags);
        args.AddRange(rest
            ? ["-W", RelayFixture.RestSecret, "-u", RelayFixture.User]
            : ["-u", RelayFixture.User, "-w", RelayFixture.Password]);
        if (!flags.Contains("-y") || flags.Contains("-e"))
        {
            args.AddRange(["-e", peer, "-r", Relay.PeerPort.ToString(CultureInfo.InvariantCulture)]);
        }

        args.AddRange(["-n", messages.ToString(CultureInfo.InvariantCulture), "-z", interval.ToString(CultureInfo.InvariantCulture),
            "-l", length.ToString(CultureInfo.InvariantCulture), "-p", (server ?? Relay.Port).ToString(CultureInfo.InvariantCulture), "127.0.0.1"]);
        (int code, string output) = await RunAsync(args);
        string context = $"{Relay.Name}: turnutils_uclient {string.Join(' ', args)}\n{output}";
        Assert.True(code == 0, $"exit code {code}; {context}");
        Match totals = Totals().Match(output);
        Assert.True(totals.Success, context);
        long sent = long.Parse(totals.Groups["sent"].Value, CultureInfo.InvariantCulture);
        long received = long.Parse(totals.Groups["received"].Value, CultureInfo.InvariantCulture);
        Assert.True(sent == (long)sessions * messages, $"sent {sent}, expected {sessions} x {messages}; {context}");
        Assert.True(received == sent, $"received {received} of {sent}; {context}");
        Assert.Contains("Total lost packets 0 (0.000000%), total send dropped 0 (0.000000%)", output);
        Assert.Matches(SummaryShape(), output);
    }

    protected static async Task<(int Code, string Output)> RunAsync(IEnumerable<string> args)
    {
        using ChildProcess p = ChildProcess.StartDotnet("turnutils_uclient", args);
        int code = await p.WaitAsync(RunTimeout);
        return (code, p.Output);
    }

    [GeneratedRegex(@"start_mclient: tot_send_msgs=(?<sent>\d+), tot_recv_msgs=(?<received>\d+)")]
    private static partial Regex Totals();

    [GeneratedRegex(@"\d+: : Total transmit time is \d+\n\d+: : Total lost packets \d+ \([\d.]+%\), total send dropped \d+ \([\d.]+%\)\n\d+: : Average round trip delay [\d.]+ ms; min = \d+ ms, max = \d+ ms\n\d+: : Average jitter [\d.]+ ms; min = \d+ ms, max = \d+ ms")]
    private static partial Regex SummaryShape();

    [GeneratedRegex(@"RESULT pps=(?<pps>[\d.]+) loss_pct=(?<loss>[\d.]+)")]
    private static partial Regex ResultLine();
}

/// <summary>Our uclient against coturn's turnserver (the reference).</summary>
[Collection(CoturnRelayCollection.Name)]
public sealed class UclientAgainstCoturnTests(CoturnFixture relay) : UclientTests<CoturnFixture>(relay)
{
    [Fact]
    public Task OverTcp() => AssertNoLossAsync(sessions: 2, "-t", "-m", "2");

    [Fact]
    public Task OverTcpWithSendIndications() => AssertNoLossAsync(sessions: 2, "-t", "-s", "-c", "-m", "2");
}

/// <summary>Our uclient against our turnserver.</summary>
[Collection(OurRelayCollection.Name)]
public sealed class UclientAgainstOurServerTests(OurServerFixture relay) : UclientTests<OurServerFixture>(relay);
