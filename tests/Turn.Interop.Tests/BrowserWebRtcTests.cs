using System.Diagnostics;
using Turn.Interop.Tests.Browser;
using Xunit.Abstractions;

namespace Turn.Interop.Tests;

/// <summary>
/// A real browser through our relay: headless Chromium (Debian's chromium) runs two
/// RTCPeerConnections with iceTransportPolicy "relay" and TURN REST API credentials against our
/// bin/turnserver, and they exchange data-channel messages over TURN/UDP, TURN/TCP and TURN/TLS
/// (RFC 8656 §3.1). The browser must be installed (scripts/install-test-deps): a missing one fails.
/// </summary>
public sealed class BrowserWebRtcTests(ITestOutputHelper output)
{
    private const int MessagesEachWay = 20;
    private const int ExchangeTimeoutMs = 12_000;
    private const int RefusedTimeoutMs = 6_000;

    /// <summary>The DevTools part of a case: page load and the exchange, with the page's own timeout inside.</summary>
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public Task DataChannelThroughTurnOverUdp() =>
        AssertRelayedExchange(run => $"turn:127.0.0.1:{run.Port}?transport=udp", "udp");

    [Fact]
    public Task DataChannelThroughTurnOverTcp() =>
        AssertRelayedExchange(run => $"turn:127.0.0.1:{run.Port}?transport=tcp", "tcp");

    /// <summary>turns: with a certificate the browser verifies: chain to a CA it trusts, name in the SAN.</summary>
    [Fact]
    public Task DataChannelThroughTurnOverTlsWithAVerifiedCertificate() =>
        AssertRelayedExchange(run => $"turns:{BrowserRelayRun.CertificateName}:{run.TlsPort}", "tls");

    /// <summary>The TLS case above does verify: the same server under a name its certificate lacks is refused by the browser.</summary>
    [Fact]
    public async Task TurnsUnderANameTheCertificateDoesNotCoverGetsNoRelayCandidate()
    {
        using BrowserRelayRun run = BrowserRelayRun.Start();
        string url = $"turns:{BrowserRelayRun.UncoveredName}:{run.TlsPort}";
        // Where the browser reports the end of gathering the page returns at once; where it does not
        // (seen with loopback as the only interface) the page's shorter timeout ends the wait.
        RelayExchangeResult result = await Exchange(run, url, ["never delivered"], ["never delivered"], RefusedTimeoutMs);
        string context = run.Describe(result);
        Assert.False(result.Ok, "exchange succeeded with a certificate for another name\n" + context);
        Assert.False(result.Log?.Any(l => l.Contains(" typ relay ", StringComparison.Ordinal)) ?? false, "a relay candidate was gathered\n" + context);
        Assert.True(result.Log?.Any(l => l.Contains("candidate error 701", StringComparison.Ordinal) && l.Contains(url, StringComparison.Ordinal)) == true,
            "expected ICE candidate error 701 (TURN server unreachable) for " + url + "\n" + context);
        // The browser, not our server, ended the handshake.
        run.Server.WaitForLine("TLS handshake with .* failed", TimeSpan.FromSeconds(5));
    }

    private async Task AssertRelayedExchange(Func<BrowserRelayRun, string> url, string relayProtocol)
    {
        var clock = Stopwatch.StartNew();
        using BrowserRelayRun run = BrowserRelayRun.Start();
        TimeSpan started = clock.Elapsed;
        string[] fromA = Messages("a->b");
        string[] fromB = Messages("b->a");
        string turnUrl = url(run);
        RelayExchangeResult result = await Exchange(run, turnUrl, fromA, fromB);
        output.WriteLine($"{turnUrl}: server and browser up in {started.TotalMilliseconds:F0} ms, page and exchange in {(clock.Elapsed - started).TotalMilliseconds:F0} ms");
        string context = run.Describe(result);
        void Expect(bool condition, string what) => Assert.True(condition, what + "\n" + context);

        Expect(result.Ok, "the exchange did not complete");
        Expect(result.A is not null && result.B is not null, "a peer has no selected candidate pair");
        foreach ((string name, SelectedPair pair) in new[] { ("a", result.A!), ("b", result.B!) })
        {
            Expect(pair.Local.CandidateType == "relay", $"{name}: local candidate type {pair.Local.CandidateType}, expected relay");
            Expect(pair.Remote.CandidateType == "relay", $"{name}: remote candidate type {pair.Remote.CandidateType}, expected relay");
            Expect(pair.Local.RelayProtocol == relayProtocol, $"{name}: relayProtocol {pair.Local.RelayProtocol}, expected {relayProtocol}");
            Expect(pair.Local.Url?.StartsWith(turnUrl.Split('?')[0], StringComparison.Ordinal) == true, $"{name}: relay candidate from {pair.Local.Url}, expected {turnUrl}");
            // Allocated by our server: its relay address and port range.
            Expect(pair.Local.Address == "127.0.0.1" && pair.Local.Port is >= BrowserRelayRun.MinRelayPort and <= BrowserRelayRun.MaxRelayPort,
                $"{name}: relayed address {pair.Local.Address}:{pair.Local.Port} is not one of our server's");
            Expect(pair.Remote.Address == "127.0.0.1" && pair.Remote.Port is >= BrowserRelayRun.MinRelayPort and <= BrowserRelayRun.MaxRelayPort,
                $"{name}: remote relayed address {pair.Remote.Address}:{pair.Remote.Port} is not one of our server's");
            // A peer sends on its selected pair. Not asserted: bytesReceived, nor that the two selected
            // pairs mirror each other. Each peer gathers two relay candidates here (the loopback and the
            // wildcard network), and Chromium's two agents may each send on a different pair, so a
            // peer's selected pair can show 0 bytes received while the messages arrive on another.
            Expect(pair.BytesSent > 0, $"{name}: nothing was sent on the selected pair");
        }

        Expect(result.ReceivedByB?.SequenceEqual(fromA) == true, "b did not receive a's messages in order: " + Difference(fromA, result.ReceivedByB));
        Expect(result.ReceivedByA?.SequenceEqual(fromB) == true, "a did not receive b's messages in order: " + Difference(fromB, result.ReceivedByA));
    }

    private static string Difference(string[] sent, string[]? received)
    {
        if (received is null)
        {
            return "nothing received";
        }

        int i = 0;
        while (i < sent.Length && i < received.Length && sent[i] == received[i])
        {
            i++;
        }

        return $"{sent.Length} sent, {received.Length} received, first difference at #{i}";
    }

    private static async Task<RelayExchangeResult> Exchange(BrowserRelayRun run, string url, string[] fromA, string[] fromB, int timeoutMs = ExchangeTimeoutMs)
    {
        using var timeout = new CancellationTokenSource(CaseTimeout);
        try
        {
            return await RelayExchangePage.RunAsync(run.Browser, run.PageDirectory, new ExchangeSpec(run.IceServer(url), fromA, fromB, timeoutMs), timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or IOException or System.Net.WebSockets.WebSocketException)
        {
            Assert.Fail($"driving the browser failed: {e}\n{run.Describe(null)}");
            throw;
        }
    }

    /// <summary>Messages of growing size (up to about 1.2 kB), so more than one size crosses the relay.</summary>
    private static string[] Messages(string label) =>
        [.. Enumerable.Range(0, MessagesEachWay).Select(i => $"{label} #{i} " + new string((char)('a' + (i % 26)), i * 60))];
}
