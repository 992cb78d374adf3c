using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Turn.Interop.Tests;

/// <summary>
/// RFC 5780 NAT behaviour discovery against coturn 4.6.1, both serving 127.0.0.1 and 127.0.0.2:
/// coturn's turnutils_natdiscovery and turnutils_stunclient and Debian's RFC 3489 `stun` client must
/// report the same about our server as about coturn, and raw CHANGE-REQUESTs must be answered from
/// the same server addresses. With one listening address both servers refuse CHANGE-REQUEST.
/// </summary>
public sealed partial class Rfc5780InteropTests
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);
    private static readonly IPAddress Second = IPAddress.Parse("127.0.0.2");

    [Fact]
    public void NatDiscoveryReportsTheSameAsAgainstCoturn()
    {
        string[] tests = ["-m", "-f", "-H", "-P"];
        (string ours, string coturn) = BothReports(port => RunTool("turnutils_natdiscovery", [.. tests, "-p", port.ToString(), "127.0.0.1"]));
        Assert.Contains("NAT with Endpoint Independent Mapping!", ours);
        Assert.Contains("NAT with Endpoint Independent Filtering!", ours);
        AssertSameReport(coturn, ours);
    }

    [Fact]
    public void NatDiscoveryCollisionTestReportsTheSameAsAgainstCoturn()
    {
        string[] test = ["-c", "-L", "127.0.0.1", "-A", "127.0.0.3"];
        (string ours, string coturn) = BothReports(port => RunTool("turnutils_natdiscovery", [.. test, "-p", port.ToString(), "127.0.0.1"]));
        Assert.Contains("RFC 5780 response 2", ours);
        AssertSameReport(coturn, ours);
    }

    [Fact]
    public void CoturnStunclientGetsTheSameThreeRfc5780Answers()
    {
        (string ours, string coturn) = BothReports(port => RunTool("turnutils_stunclient", ["-p", port.ToString(), "127.0.0.1"]));
        Assert.Contains("RFC 5780 response 3", ours);
        AssertSameReport(coturn, ours);
    }

    [Fact]
    public void OurStunclientGetsTheSameThreeRfc5780Answers()
    {
        (string ours, string coturn) = BothReports(port =>
        {
            (int code, string output) = RunningProcess.Run(RepoPaths.Bin("turnutils_stunclient"), ["-p", port.ToString(), "127.0.0.1"], ToolTimeout);
            Assert.True(code == 0, output);
            return output;
        });
        Assert.Contains("RFC 5780 response 3", ours);
        AssertSameReport(coturn, ours);
    }

    [Fact]
    public void DebianStunClientFindsTheSameNatTypeWithChangeRequests()
    {
        (string ours, string coturn) = BothReports(port =>
        {
            (int code, string output) = RunningProcess.Run("/usr/bin/stun", [$"127.0.0.1:{port}", "-v"], ToolTimeout);
            return $"exit {code}\n{output}";
        });

        // The client's own summary: its tests I, II (change IP and port), III (change port) and its verdict.
        // Sorted: the client prints its verdict on stdout and its test lines on stderr, so their
        // interleaving in the captured output varies from run to run.
        static string Summary(string output) => string.Join('\n', output.Split('\n')
            .Select(l => l.TrimEnd())
            .Where(l => Regex.IsMatch(l, @"^(exit |test |is nat|mapped IP same|hairpin|preserver port|Primary:|Return value)"))
            .Order(StringComparer.Ordinal));
        Assert.Contains("test II = 1", Summary(ours));
        Assert.Contains("test III = 1", Summary(ours));
        Assert.Contains("Primary: Open", Summary(ours));
        Assert.Equal(Summary(coturn), Summary(ours));
    }

    [Fact]
    public void ChangeRequestsAreAnsweredFromTheSameAddressesAsCoturns()
    {
        (RunningProcess ours, int ourPort) = StartOurs();
        using (ours)
        {
            (RunningProcess coturn, int coturnPort) = StartCoturn();
            using (coturn)
            {
                foreach (int offset in new[] { 0, 1 })
                {
                    foreach ((bool ip, bool port) in new[] { (false, false), (false, true), (true, false), (true, true) })
                    {
                        // Sent to 127.0.0.1: the same answer, from the same address, as coturn's.
                        string o = Describe(ChangeRequest(new IPEndPoint(IPAddress.Loopback, ourPort + offset), ip, port), ourPort);
                        string c = Describe(ChangeRequest(new IPEndPoint(IPAddress.Loopback, coturnPort + offset), ip, port), coturnPort);
                        Assert.Equal(c, o);

                        // Sent to 127.0.0.2: coturn pairs its second address with itself (OTHER-ADDRESS and
                        // "changed IP" stay on 127.0.0.2); we pair it with 127.0.0.1, as RFC 5780 means.
                        string sent = offset == 0 ? "P" : "P+1";
                        string other = offset == 0 ? "P+1" : "P";
                        string from = $"{(ip ? "127.0.0.1" : "127.0.0.2")}:{(port ? other : sent)}";
                        Assert.Equal(
                            $"0x0101 from {from} origin {from} other 127.0.0.1:{other}",
                            Describe(ChangeRequest(new IPEndPoint(Second, ourPort + offset), ip, port), ourPort));
                    }
                }
            }
        }
    }

    [Fact]
    public void WithOneListeningAddressChangeRequestIsRefusedAsByCoturn()
    {
        (RunningProcess ours, int ourPort) = Servers.StartOurs("--min-port=23000", "--max-port=23099");
        using (ours)
        {
            (RunningProcess coturn, int coturnPort) = Servers.StartCoturn("--min-port=23900", "--max-port=23999");
            using (coturn)
            {
                foreach (int port in new[] { ourPort, coturnPort })
                {
                    RawStunMessage plain = ChangeRequest(new IPEndPoint(IPAddress.Loopback, port), false, false).Answer;
                    Assert.Equal(0x0101, plain.Type);
                    Assert.False(plain.Has(RawStunMessage.OtherAddress));
                    RawStunMessage refused = ChangeRequest(new IPEndPoint(IPAddress.Loopback, port), true, true).Answer;
                    Assert.Equal(0x0111, refused.Type);
                    Assert.Equal(420, refused.Error);
                }

                ours.WaitForLine(@"RFC 5780 NAT behaviour discovery: off \(it needs two listening addresses\)", Servers.StartTimeout);
                Assert.DoesNotContain($":{ourPort + 1}", ours.Output); // no alternate port bound
            }
        }
    }

    [Fact]
    public void OverTcpOtherAddressIsSentAndChangeRequestRefusedAsByCoturn()
    {
        (RunningProcess ours, int ourPort) = StartOurs();
        using (ours)
        {
            (RunningProcess coturn, int coturnPort) = StartCoturn();
            using (coturn)
            {
                foreach (int port in new[] { ourPort, coturnPort })
                {
                    RawStunMessage plain = TcpBinding(port, []);
                    Assert.Equal(new IPEndPoint(Second, port + 1), plain.Address(RawStunMessage.OtherAddress));
                    Assert.Equal(400, TcpBinding(port, [RawStunMessage.ChangeRequestAttribute(true, true)]).Error);
                    Assert.Equal(400, TcpBinding(port, [(RawStunMessage.ResponsePort, new byte[] { 0x13, 0x88, 0, 0 })]).Error);
                    Assert.Equal(0x0101, TcpBinding(port + 1, []).Type); // the alternate port serves TCP too
                }
            }
        }
    }

    [Fact]
    public void NoRfc5780TurnsItOffWithTwoAddresses()
    {
        (RunningProcess ours, int port) = Servers.StartOurs("--listening-ip=127.0.0.2", "--no-rfc5780", "--min-port=23000", "--max-port=23099");
        using (ours)
        {
            ours.WaitForLine(@"RFC 5780 NAT behaviour discovery: off \(no-rfc5780\)", Servers.StartTimeout);
            Assert.Equal(420, ChangeRequest(new IPEndPoint(IPAddress.Loopback, port), true, false).Answer.Error);
            Assert.False(ChangeRequest(new IPEndPoint(IPAddress.Loopback, port), false, false).Answer.Has(RawStunMessage.OtherAddress));
        }
    }

    private static (RunningProcess, int) StartOurs()
    {
        (RunningProcess p, int port) = Servers.StartOurs("--listening-ip=127.0.0.2", "--min-port=23000", "--max-port=23099");
        p.WaitForLine($@"RFC 5780 NAT behaviour discovery: on, port pairs {port}/{port + 1}", Servers.StartTimeout);
        return (p, port);
    }

    private static (RunningProcess, int) StartCoturn() =>
        Servers.StartCoturn("--listening-ip=127.0.0.2", "--min-port=23900", "--max-port=23999");

    /// <summary>Runs <paramref name="tool"/> against our server and against coturn (each on 127.0.0.1 + 127.0.0.2).</summary>
    private static (string Ours, string Coturn) BothReports(Func<int, string> tool)
    {
        string ours;
        string coturn;
        (RunningProcess server, int port) = StartOurs();
        using (server)
        {
            ours = Normalize(tool(port), port);
        }

        (RunningProcess c, int coturnPort) = StartCoturn();
        using (c)
        {
            coturn = Normalize(tool(coturnPort), coturnPort);
        }

        return (ours, coturn);
    }

    private static string RunTool(string name, string[] args)
    {
        (int code, string output) = RunningProcess.Run(RepoPaths.Coturn(name), args, ToolTimeout);
        Assert.True(code == 0, $"{name} exited {code}:\n{output}");
        return output;
    }

    /// <summary>Server ports become P and P+1, the client's own ports E: what is left must not differ.</summary>
    private static string Normalize(string output, int port)
    {
        string s = output.Replace($":{port + 1}", ":P+1").Replace($":{port}", ":P");
        s = LogTime().Replace(s, "T: : "); // seconds since the tool started logging
        return ClientPort().Replace(s, ":E");
    }

    /// <summary>
    /// The reports line by line. One difference is expected: coturn pairs its second address with itself
    /// (a request sent to 127.0.0.2 is told OTHER-ADDRESS 127.0.0.2), where we name the other address
    /// (127.0.0.1), as RFC 5780 §7.4 means it; natdiscovery's mapping test sends such a request.
    /// </summary>
    private static void AssertSameReport(string coturn, string ours)
    {
        string[] c = coturn.Split('\n');
        string[] o = ours.Split('\n');
        Assert.True(c.Length == o.Length, $"coturn:\n{coturn}\nours:\n{ours}");
        string origin = "";
        for (int i = 0; i < c.Length; i++)
        {
            if (c[i].Contains("Response origin:", StringComparison.Ordinal))
            {
                origin = c[i];
            }

            if (c[i] == o[i])
            {
                continue;
            }

            bool secondAddressPairing = c[i].EndsWith("Other addr: : 127.0.0.2:P+1", StringComparison.Ordinal)
                && o[i].EndsWith("Other addr: : 127.0.0.1:P+1", StringComparison.Ordinal)
                && origin.EndsWith("Response origin: : 127.0.0.2:P", StringComparison.Ordinal);
            Assert.True(secondAddressPairing, $"line {i + 1} differs:\ncoturn: {c[i]}\nours:   {o[i]}\n\ncoturn:\n{coturn}\nours:\n{ours}");
        }
    }

    /// <summary>A Binding request with CHANGE-REQUEST over UDP: the answer and the address it came from.</summary>
    private static (RawStunMessage Answer, IPEndPoint From) ChangeRequest(IPEndPoint server, bool changeIp, bool changePort)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        s.ReceiveTimeout = 2000;
        byte[] request = RawStunMessage.Build(0x0001, RawStunMessage.ChangeRequestAttribute(changeIp, changePort));
        byte[] buffer = new byte[2048];
        for (int attempt = 0; ; attempt++)
        {
            s.SendTo(request, server);
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            try
            {
                int n = s.ReceiveFrom(buffer, ref from);
                RawStunMessage answer = RawStunMessage.Parse(buffer[..n]);
                Assert.Equal(request[8..20], answer.TransactionId);
                return (answer, (IPEndPoint)from);
            }
            catch (SocketException) when (attempt < 2)
            {
                // UDP: retransmit (RFC 8489 §6.2.1), a bounded number of times.
            }
        }
    }

    private static string Describe((RawStunMessage Answer, IPEndPoint From) r, int port)
    {
        RawStunMessage m = r.Answer;
        string text = $"0x{m.Type:X4} from {r.From}";
        if (m.Type == 0x0101)
        {
            text += $" origin {m.Address(RawStunMessage.ResponseOrigin)} other {m.Address(RawStunMessage.OtherAddress)}";
        }
        else
        {
            text += $" error {m.Error}";
        }

        return text.Replace($":{port + 1}", ":P+1").Replace($":{port}", ":P");
    }

    private static RawStunMessage TcpBinding(int port, (ushort, byte[])[] attributes)
    {
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        tcp.ReceiveTimeout = 5000;
        tcp.Connect(new IPEndPoint(IPAddress.Loopback, port));
        tcp.Send(RawStunMessage.Build(0x0001, attributes));
        return RawStunMessage.Receive(tcp);
    }

    [GeneratedRegex(@"(?<=127\.0\.0\.[0-9]|0\.0\.0\.0):[0-9]+(?=\s*$)", RegexOptions.Multiline)]
    private static partial Regex ClientPort();

    [GeneratedRegex(@"^[0-9]+: : ", RegexOptions.Multiline)]
    private static partial Regex LogTime();
}
