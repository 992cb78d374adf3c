using System.Net;
using System.Net.Sockets;

namespace Turn.Client.Tests;

public sealed class StunTcpClientTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task TheResponseIsFramedOutOfTheStream()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = (IPEndPoint)listener.LocalEndpoint;
        Task serve = Task.Run(async () =>
        {
            using Socket s = await listener.AcceptSocketAsync();
            byte[] request = await ReadFrameAsync(s);
            var peer = (IPEndPoint)s.RemoteEndPoint!;
            byte[] unrelated = StunPackets.Success(request, peer, transactionId: new byte[12]);
            byte[] answer = StunPackets.Success(request, peer, fingerprint: true);
            byte[] all = [.. unrelated, .. answer];
            // Deliver in two pieces that cut the real answer in half.
            int cut = unrelated.Length + (answer.Length / 2);
            await s.SendAsync(all.AsMemory(0, cut), SocketFlags.None);
            await s.SendAsync(all.AsMemory(cut), SocketFlags.None);
            await ReadToEndAsync(s);
        });

        StunBindingResponse r = await StunClient.BindingAsync(server, StunTransport.Tcp, options: StunPackets.Patient).WaitAsync(Bound);

        Assert.True(r.IsSuccess);
        Assert.Equal(r.LocalEndPoint, r.XorMappedAddress);
        Assert.Equal(server, r.RemoteEndPoint);
        Assert.Equal(1, r.Transmissions);
        await serve.WaitAsync(Bound);
    }

    [Fact]
    public async Task ASilentServerTimesOut()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = (IPEndPoint)listener.LocalEndpoint;
        Task serve = Task.Run(async () =>
        {
            using Socket s = await listener.AcceptSocketAsync();
            await ReadToEndAsync(s);
        });

        var e = await Assert.ThrowsAsync<StunTimeoutException>(
            () => StunTcpClient.BindingAsync(server, options: StunPackets.Fast).WaitAsync(Bound));

        Assert.Equal(StunTransport.Tcp, e.Transport);
        Assert.True(e.Elapsed >= TimeSpan.FromMilliseconds(280), $"gave up after {e.Elapsed}");
        await serve.WaitAsync(Bound);
    }

    [Fact]
    public async Task ARefusedConnectionIsASocketError()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        await Assert.ThrowsAsync<SocketException>(
            () => StunTcpClient.BindingAsync(new IPEndPoint(IPAddress.Loopback, port), options: StunPackets.Fast).WaitAsync(Bound));
    }

    private static async Task<byte[]> ReadFrameAsync(Socket s)
    {
        byte[] header = await ReadExactlyAsync(s, 20);
        int length = (header[2] << 8) | header[3];
        return [.. header, .. await ReadExactlyAsync(s, length)];
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket s, int count)
    {
        byte[] b = new byte[count];
        int got = 0;
        while (got < count)
        {
            int n = await s.ReceiveAsync(b.AsMemory(got), SocketFlags.None);
            if (n == 0) throw new IOException("closed early");
            got += n;
        }
        return b;
    }

    /// <summary>Waits until the client closes its side (bounded by the test's own timeouts).</summary>
    private static async Task ReadToEndAsync(Socket s)
    {
        byte[] b = new byte[256];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            while (await s.ReceiveAsync(b, SocketFlags.None, cts.Token) > 0)
            {
            }
        }
        catch (SocketException)
        {
        }
    }
}
