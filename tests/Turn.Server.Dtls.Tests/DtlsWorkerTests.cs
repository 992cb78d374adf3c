using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Turn.Server.Dtls.Tests;

/// <summary>DTLS on a real relay worker, against BouncyCastle's DTLS client and hand-made ClientHellos.</summary>
public sealed class DtlsWorkerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public void BindingOverDtlsAfterCookieExchangeAndCloseNotifyEndsTheSession()
    {
        using DtlsWorkerServer server = DtlsWorkerServer.WithDtls();
        using (BcDtlsClient client = BcDtlsClient.Connect(server.EndPoint, Timeout))
        {
            Assert.Equal(1, server.Worker.DtlsSessionCount);
            Assert.Equal(1, server.Context!.SessionCount);
            for (int i = 0; i < 20; i++)
            {
                byte[] request = StunBinding.Request(out byte[] transaction);
                Assert.True(StunBinding.IsSuccessFor(client.Exchange(request, Timeout), transaction));
            }
        }

        // The client's close_notify ends the session on the worker.
        WaitUntil(() => server.Worker.DtlsSessionCount == 0 && server.Context.SessionCount == 0);
    }

    [Fact]
    public void AllocationMadeOverDtlsEndsWithTheSession()
    {
        using DtlsWorkerServer server = DtlsWorkerServer.WithDtls();
        using (BcDtlsClient client = BcDtlsClient.Connect(server.EndPoint, Timeout))
        {
            byte[] request = StunBinding.Allocate(out byte[] transaction);
            Assert.True(StunBinding.IsAllocateSuccessFor(client.Exchange(request, Timeout), transaction));
            Assert.Equal(1, server.OnWorker(() => server.Worker.Engine.AllocationCount));
        }

        WaitUntil(() => server.OnWorker(() => server.Worker.Engine.AllocationCount) == 0);
        Assert.Equal(0, server.Worker.DtlsSessionCount);
    }

    [Fact]
    public void RsaCertificateNegotiatesEcdheRsa()
    {
        using DtlsWorkerServer server = new(new DtlsServerOptions(TestCertificates.Rsa("turn-dtls-rsa"), []));
        using BcDtlsClient client = BcDtlsClient.Connect(server.EndPoint, Timeout);
        byte[] request = StunBinding.Request(out byte[] transaction);
        Assert.True(StunBinding.IsSuccessFor(client.Exchange(request, Timeout), transaction));
    }

    [Fact]
    public void Dtls10ClientGetsACbcSuiteThroughBouncyCastlesCipher()
    {
        using DtlsWorkerServer server = DtlsWorkerServer.WithDtls();
        using BcDtlsClient client = BcDtlsClient.Connect(server.EndPoint, Timeout, dtls10: true);
        for (int i = 0; i < 5; i++)
        {
            byte[] request = StunBinding.Request(out byte[] transaction);
            Assert.True(StunBinding.IsSuccessFor(client.Exchange(request, Timeout), transaction));
        }
    }

    [Fact]
    public void Dtls10IsRefusedWhenOff()
    {
        using DtlsWorkerServer server = DtlsWorkerServer.WithDtls(o => o with { AllowDtls10 = false });
        Assert.ThrowsAny<Exception>(() => BcDtlsClient.Connect(server.EndPoint, TimeSpan.FromSeconds(5), dtls10: true));
        WaitUntil(() => server.Worker.DtlsSessionCount == 0);
    }

    [Fact]
    public void PlainStunStillWorksBesideDtls()
    {
        using DtlsWorkerServer server = DtlsWorkerServer.WithDtls();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        server.Barrier(socket); // a Binding answered on the same port
    }

    [Fact]
    public void SpoofedClientHelloFloodCreatesNoSessionAndAllocatesNothingOnTheWorker()
    {
        using DtlsWorkerServer server = DtlsWorkerServer.WithDtls();
        // 200 "spoofed" sources over 50 loopback addresses, none of which ever answers a HelloVerifyRequest.
        var sources = new List<Socket>();
        try
        {
            for (int i = 0; i < 200; i++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                s.Bind(new IPEndPoint(IPAddress.Parse($"127.0.0.{2 + (i % 50)}"), 0));
                sources.Add(s);
            }

            using var control = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            control.Bind(new IPEndPoint(IPAddress.Loopback, 0));

            // The path works: a ClientHello without a cookie gets a HelloVerifyRequest.
            control.SendTo(RawClientHello.Build(RandomNumberGenerator.GetBytes(32), []), server.EndPoint);
            byte[] answer = new byte[2048];
            Assert.True(control.Poll(Timeout, SelectMode.SelectRead));
            int n = control.Receive(answer);
            Assert.Equal(DtlsCookieGuard.HelloVerifyRequestLength, n);
            Assert.Equal(3, answer[13]);

            Flood(server, sources, control, 2_000); // warm-up (JIT, first-time buffers)
            long before = server.OnWorker(GC.GetAllocatedBytesForCurrentThread);
            Flood(server, sources, control, 100_000);
            long after = server.OnWorker(GC.GetAllocatedBytesForCurrentThread);

            Assert.Equal(0, server.Worker.DtlsSessionCount);
            Assert.Equal(0, server.Context!.SessionCount);
            Assert.Equal(0, server.Context.HandshakeCount);
            Assert.True(after - before < 64 * 1024, $"the worker allocated {after - before} bytes for 100,000 ClientHellos");
        }
        finally
        {
            sources.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public void WithoutDtlsClientHellosAreIgnored()
    {
        using var server = new DtlsWorkerServer(null);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.SendTo(RawClientHello.Build(RandomNumberGenerator.GetBytes(32), []), server.EndPoint);
        server.Barrier(socket); // answered after the ClientHello was handled...
        Assert.Equal(0, socket.Available); // ...and nothing came back for it
        Assert.Equal(0, server.Worker.DtlsSessionCount);
    }

    [Fact]
    public void IdleSessionWithoutAllocationIsClosed()
    {
        using DtlsWorkerServer server = DtlsWorkerServer.WithDtls(o => o with { IdleTimeoutMs = 1000 });
        using BcDtlsClient client = BcDtlsClient.Connect(server.EndPoint, Timeout);
        Assert.Equal(1, server.Worker.DtlsSessionCount);
        // The server's close_notify arrives: BouncyCastle's transport then reports the end (-1 / exception).
        WaitUntil(() => server.Worker.DtlsSessionCount == 0);
        Assert.Equal(0, server.Context!.SessionCount);
    }

    [Fact]
    public void ValidCookieCreatesASessionThatASilentClientLosesAtTheHandshakeTimeout()
    {
        using DtlsWorkerServer server = DtlsWorkerServer.WithDtls(o => o with { HandshakeTimeout = TimeSpan.FromSeconds(1) });
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        byte[] random = RandomNumberGenerator.GetBytes(32);
        socket.SendTo(RawClientHello.Build(random, []), server.EndPoint);
        byte[] answer = new byte[2048];
        Assert.True(socket.Poll(Timeout, SelectMode.SelectRead));
        int n = socket.Receive(answer);
        Assert.Equal(0, server.Worker.DtlsSessionCount); // the HelloVerifyRequest left nothing behind

        socket.SendTo(RawClientHello.Build(random, RawClientHello.CookieOf(answer.AsSpan(0, n)), 1, 1), server.EndPoint);
        Assert.True(socket.Poll(Timeout, SelectMode.SelectRead)); // the server's flight: a session exists now
        Assert.Equal(1, server.Worker.DtlsSessionCount);

        WaitUntil(() => server.Worker.DtlsSessionCount == 0 && server.Context!.HandshakeCount == 0);
        Assert.Equal(0, server.Context!.SessionCount);
    }

    [Fact]
    public void SessionBoundsArePerAddressAndTotal()
    {
        var context = DtlsServerContext.Create(
            new DtlsServerOptions(TestCertificates.Ecdsa("bounds"), []) { MaxSessions = 3, MaxSessionsPerAddress = 2 }, []);
        var a = Turn.Protocol.StunAddress.Parse("192.0.2.1:1000");
        var b = Turn.Protocol.StunAddress.Parse("192.0.2.2:1000");
        Assert.True(context.TryAddSession(a));
        Assert.True(context.TryAddSession(a.WithPort(1001)));
        Assert.False(context.TryAddSession(a.WithPort(1002)));
        Assert.True(context.TryAddSession(b));
        Assert.False(context.TryAddSession(b.WithPort(1001)));
        context.RemoveSession(a);
        Assert.True(context.TryAddSession(b.WithPort(1001)));
        Assert.Equal(3, context.SessionCount);
        Assert.Equal(2, context.RefusedSessions);
    }

    [Fact]
    public void HandshakesInProgressAreCappedPerSourceAndInTotal()
    {
        using DtlsWorkerServer server = DtlsWorkerServer.WithDtls(o => o with
        {
            MaxHandshakesPerSource = 2,
            MaxConcurrentHandshakes = 3,
            HandshakeTimeout = TimeSpan.FromSeconds(20),
        });
        using var control = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        control.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var clients = new List<Socket>();
        try
        {
            // Each returns its cookie; the third from 127.0.0.1 is over its source's cap, the one from
            // 127.0.0.3 over the total (two from 127.0.0.1 and one from 127.0.0.2 are running).
            Assert.True(StartsHandshake(server, control, clients, "127.0.0.1"));
            Assert.True(StartsHandshake(server, control, clients, "127.0.0.1"));
            Assert.False(StartsHandshake(server, control, clients, "127.0.0.1"));
            Assert.True(StartsHandshake(server, control, clients, "127.0.0.2"));
            Assert.False(StartsHandshake(server, control, clients, "127.0.0.3"));

            Assert.Equal(3, server.Context!.HandshakeCount);
            Assert.Equal(3, server.Context.SessionCount);
            Assert.Equal(3, server.Worker.DtlsSessionCount);
            Assert.Equal(2, server.Context.RefusedSessions);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void HandshakeSlotsAreCountedPerIPv6Slash64()
    {
        var context = DtlsServerContext.Create(
            new DtlsServerOptions(TestCertificates.Ecdsa("handshake-bounds"), []) { MaxHandshakesPerSource = 2 }, []);
        var a = Turn.Protocol.StunAddress.Parse("[2001:db8:1:1::1]:1000");
        var b = Turn.Protocol.StunAddress.Parse("[2001:db8:1:1:ffff::2]:2000");
        var c = Turn.Protocol.StunAddress.Parse("[2001:db8:1:1::3]:3000");
        var other = Turn.Protocol.StunAddress.Parse("[2001:db8:1:2::1]:1000");
        Assert.True(context.TryEnterHandshake(a));
        Assert.True(context.TryEnterHandshake(b));
        Assert.False(context.TryEnterHandshake(c)); // a third address of the same /64
        Assert.True(context.TryEnterHandshake(other));
        context.ExitHandshake(a);
        Assert.True(context.TryEnterHandshake(c));
        Assert.Equal(3, context.HandshakeCount);
        Assert.Equal(1, context.RefusedSessions);
    }

    /// <summary>
    /// A client on a new port of <paramref name="address"/> does the cookie exchange and sends its second
    /// ClientHello: true when the server answers with its flight (a handshake started), false when nothing
    /// came back by the time a later Binding on <paramref name="control"/> was answered.
    /// </summary>
    private static bool StartsHandshake(DtlsWorkerServer server, Socket control, List<Socket> clients, string address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        clients.Add(socket);
        socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
        byte[] random = RandomNumberGenerator.GetBytes(32);
        socket.SendTo(RawClientHello.Build(random, []), server.EndPoint);
        byte[] answer = new byte[4096];
        Assert.True(socket.Poll(Timeout, SelectMode.SelectRead), "no HelloVerifyRequest");
        int n = socket.Receive(answer);
        int sessions = server.Worker.DtlsSessionCount;
        socket.SendTo(RawClientHello.Build(random, RawClientHello.CookieOf(answer.AsSpan(0, n)), 1, 1), server.EndPoint);
        server.Barrier(control); // the worker has handled the ClientHello
        if (server.Worker.DtlsSessionCount == sessions)
        {
            Assert.Equal(0, socket.Available); // refused: not even an answer
            return false;
        }

        Assert.True(socket.Poll(Timeout, SelectMode.SelectRead), "a session without the server's flight"); // sent by the handshake thread
        return true;
    }

    /// <summary>ClientHellos without a cookie or with a made-up one, spread over the sources, paced by Binding round trips.</summary>
    private static void Flood(DtlsWorkerServer server, List<Socket> sources, Socket control, int count)
    {
        byte[][] hellos =
        [
            RawClientHello.Build(RandomNumberGenerator.GetBytes(32), []),
            RawClientHello.Build(RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(DtlsCookieGuard.CookieLength), 1, 1),
            RawClientHello.Build(RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(7), 1, 1),
        ];
        for (int i = 0; i < count; i++)
        {
            sources[i % sources.Count].SendTo(hellos[i % hellos.Length], server.EndPoint);
            if (i % 1000 == 999)
            {
                server.Barrier(control);
            }
        }

        server.Barrier(control);
    }

    private static void WaitUntil(Func<bool> condition)
    {
        DateTime until = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "condition not reached in time");
            Thread.Sleep(20); // polled: the worker's counters have no change notification
        }
    }
}
