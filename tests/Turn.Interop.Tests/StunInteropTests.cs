using System.Net;
using System.Net.Sockets;

namespace Turn.Interop.Tests;

/// <summary>Real third-party STUN clients against our server, and our client against coturn.</summary>
public sealed class StunInteropTests
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void CoturnStunclientGetsItsMappedAddressFromOurServer()
    {
        (RunningProcess server, int port) = Servers.StartOurs();
        using (server)
        {
            (int code, string output) = RunningProcess.Run(RepoPaths.Coturn("turnutils_stunclient"), ["-p", port.ToString(), "127.0.0.1"], ToolTimeout);
            Assert.True(code == 0, output);
            Assert.Matches(@"UDP reflexive addr: 127\.0\.0\.1:\d+", output);
        }
    }

    [Fact]
    public void DebianStunClientFindsAnOpenInternetThroughOurServer()
    {
        (RunningProcess server, int port) = Servers.StartOurs();
        using (server)
        {
            (int code, string output) = RunningProcess.Run("/usr/bin/stun", [$"127.0.0.1:{port}", "-v"], ToolTimeout);
            // The client's exit status is its NAT classification: 1 = open Internet.
            Assert.True(code == 1, $"exit {code}\n{output}");
            Assert.Matches(@"MappedAddress = 127\.0\.0\.1:\d+", output);
            Assert.Contains("Primary: Open", output);
        }
    }

    [Fact]
    public void OurStunclientGetsItsMappedAddressFromCoturn()
    {
        (RunningProcess coturn, int port) = Servers.StartCoturn();
        using (coturn)
        {
            (int code, string output) = RunningProcess.Run(RepoPaths.Bin("turnutils_stunclient"), ["-p", port.ToString(), "127.0.0.1"], ToolTimeout);
            Assert.True(code == 0, output);
            Assert.Matches(@"UDP reflexive addr: 127\.0\.0\.1:\d+", output);
        }
    }

    [Fact]
    public void OurStunclientGetsItsMappedAddressFromOurServer()
    {
        (RunningProcess server, int port) = Servers.StartOurs();
        using (server)
        {
            (int code, string output) = RunningProcess.Run(RepoPaths.Bin("turnutils_stunclient"), ["-p", port.ToString(), "127.0.0.1"], ToolTimeout);
            Assert.True(code == 0, output);
            Assert.Matches(@"UDP reflexive addr: 127\.0\.0\.1:\d+", output);
        }
    }

    [Fact]
    public void BindingOverTcpReturnsTheConnectionsSourceAddress()
    {
        (RunningProcess server, int port) = Servers.StartOurs();
        using (server)
        using (var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            tcp.ReceiveTimeout = 5000;
            tcp.Connect(new IPEndPoint(IPAddress.Loopback, port));
            byte[] request = RawStun.BindingRequest(out byte[] txid);
            // Two requests in one segment: the server must frame them by their length fields.
            tcp.Send([.. request, .. request]);
            var local = (IPEndPoint)tcp.LocalEndPoint!;
            for (int i = 0; i < 2; i++)
            {
                byte[] response = ReceiveStunFrame(tcp);
                Assert.Equal(0x0101, (response[0] << 8) | response[1]);
                Assert.Equal(txid, response[8..20]);
                Assert.Equal(local, XorMappedAddress(response));
            }
        }
    }

    [Fact]
    public void GarbageDatagramsAreDroppedAndTheServerKeepsAnswering()
    {
        (RunningProcess server, int port) = Servers.StartOurs();
        using (server)
        using (var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            var target = new IPEndPoint(IPAddress.Loopback, port);
            var random = new Random(5769);
            byte[] junk = new byte[600];
            for (int i = 0; i < 20_000; i++)
            {
                int length = random.Next(0, junk.Length);
                random.NextBytes(junk.AsSpan(0, length));
                if (i % 3 == 0 && length >= 20)
                {
                    // Looks like STUN in the first bytes, lies about the rest.
                    junk[0] = 0; junk[1] = 1; junk[4] = 0x21; junk[5] = 0x12; junk[6] = 0xA4; junk[7] = 0x42;
                }

                s.SendTo(junk.AsSpan(0, length), SocketFlags.None, target);
            }

            Servers.WaitForBinding(port, TimeSpan.FromSeconds(10));
            Assert.False(server.HasExited);
        }
    }

    private static byte[] ReceiveStunFrame(Socket tcp)
    {
        byte[] header = ReceiveExactly(tcp, 20);
        int length = (header[2] << 8) | header[3];
        return [.. header, .. ReceiveExactly(tcp, length)];
    }

    private static byte[] ReceiveExactly(Socket s, int count)
    {
        byte[] b = new byte[count];
        int got = 0;
        while (got < count)
        {
            int n = s.Receive(b, got, count - got, SocketFlags.None);
            Assert.True(n > 0, "connection closed early");
            got += n;
        }

        return b;
    }

    /// <summary>Decodes XOR-MAPPED-ADDRESS (IPv4) by hand, independent of our codec.</summary>
    private static IPEndPoint XorMappedAddress(byte[] m)
    {
        for (int i = 20; i + 4 <= m.Length;)
        {
            int type = (m[i] << 8) | m[i + 1];
            int len = (m[i + 2] << 8) | m[i + 3];
            if (type == 0x0020 && m[i + 5] == 0x01)
            {
                int port = ((m[i + 6] << 8) | m[i + 7]) ^ 0x2112;
                byte[] ip = [(byte)(m[i + 8] ^ 0x21), (byte)(m[i + 9] ^ 0x12), (byte)(m[i + 10] ^ 0xA4), (byte)(m[i + 11] ^ 0x42)];
                return new IPEndPoint(new IPAddress(ip), port);
            }

            i += 4 + ((len + 3) & ~3);
        }

        throw new Xunit.Sdk.XunitException("no IPv4 XOR-MAPPED-ADDRESS in the response");
    }
}
