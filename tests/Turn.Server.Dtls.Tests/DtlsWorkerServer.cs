using System.Net;
using System.Net.Sockets;
using Turn.Protocol;
using Turn.Security;
using Turn.Server.Engine;
using Turn.Server.Relay;
using Turn.Server.Transports;

namespace Turn.Server.Dtls.Tests;

/// <summary>
/// A real relay worker (epoll, recvmmsg, the TURN engine without authentication) on 127.0.0.1
/// with DTLS on its UDP listener, in this process so the tests can read its counters and its
/// thread's allocations. Relay ports 20000-20999.
/// </summary>
internal sealed class DtlsWorkerServer : IDisposable
{
    private readonly ListenerSet _listeners;

    public DtlsWorkerServer(DtlsServerOptions? options)
    {
        if (options is not null)
        {
            var warnings = new List<string>();
            Context = DtlsServerContext.Create(options, warnings);
        }

        var plan = new ListenerPlan([IPAddress.Loopback], [0], Udp: true, Tcp: false, Workers: 1) { Dtls = Context };
        _listeners = ListenerSet.Bind(plan, new NullServerLog());
        var services = new TurnEngineServices(
            new TurnEngineOptions(),
            null,
            new PeerAddressFilter(new PeerAddressFilterOptions { AllowLoopbackPeers = true }),
            new RelayPortPool(20000, 20999),
            new QuotaTracker(0, 0),
            _listeners.ListeningAddresses,
            new NullServerLog());
        Worker = _listeners.Workers[0];
        Worker.Engine = new TurnEngine(services, Worker);
        _listeners.Start();
        EndPoint = _listeners.UdpEndPoints[0];
    }

    public DtlsServerContext? Context { get; }

    public RelayWorker Worker { get; }

    public IPEndPoint EndPoint { get; }

    public static DtlsWorkerServer WithDtls(Func<DtlsServerOptions, DtlsServerOptions>? tweak = null)
    {
        var options = new DtlsServerOptions(TestCertificates.Ecdsa("turn-dtls-worker"), []);
        return new DtlsWorkerServer(tweak is null ? options : tweak(options));
    }

    /// <summary>Runs <paramref name="probe"/> on the worker's thread and returns its result (bounded wait).</summary>
    public T OnWorker<T>(Func<T> probe)
    {
        T result = default!;
        using var done = new ManualResetEventSlim();
        Worker.Post(() =>
        {
            result = probe();
            done.Set();
        });
        Assert.True(done.Wait(TimeSpan.FromSeconds(10)), "the worker did not run the probe");
        return result;
    }

    /// <summary>
    /// A Binding request on plain UDP, answered: everything the listener received before it
    /// has been handled (one socket, one worker, datagrams in order).
    /// </summary>
    public void Barrier(Socket socket)
    {
        byte[] request = StunBinding.Request(out byte[] transaction);
        byte[] buffer = new byte[2048];
        DateTime until = DateTime.UtcNow.AddSeconds(20);
        socket.SendTo(request, EndPoint);
        while (DateTime.UtcNow < until)
        {
            if (socket.Poll(TimeSpan.FromMilliseconds(200), SelectMode.SelectRead))
            {
                int n = socket.Receive(buffer);
                if (n >= 20 && buffer.AsSpan(8, 12).SequenceEqual(transaction))
                {
                    return;
                }
            }
            else
            {
                socket.SendTo(request, EndPoint); // lost in the flood: ask again
            }
        }

        throw new TimeoutException("no Binding answer");
    }

    public void Dispose() => _listeners.Dispose();
}

/// <summary>Binding requests and answers by hand (RFC 8489 §5, §14.2).</summary>
internal static class StunBinding
{
    public static byte[] Request(out byte[] transaction)
    {
        transaction = System.Security.Cryptography.RandomNumberGenerator.GetBytes(12);
        byte[] m = new byte[20];
        m[1] = 0x01;
        m[4] = 0x21;
        m[5] = 0x12;
        m[6] = 0xA4;
        m[7] = 0x42;
        transaction.CopyTo(m, 8);
        return m;
    }

    /// <summary>An Allocate request (RFC 8656 §7.1) with REQUESTED-TRANSPORT UDP, no credentials.</summary>
    public static byte[] Allocate(out byte[] transaction)
    {
        byte[] m = Request(out transaction);
        m[1] = 0x03;
        m[3] = 8;
        return [.. m, 0x00, 0x19, 0x00, 0x04, 17, 0, 0, 0];
    }

    public static bool IsAllocateSuccessFor(byte[]? answer, byte[] transaction) =>
        answer is { Length: >= 20 } && answer[0] == 0x01 && answer[1] == 0x03 && answer.AsSpan(8, 12).SequenceEqual(transaction);

    public static bool IsSuccessFor(byte[]? answer, byte[] transaction) =>
        answer is { Length: >= 20 } && answer[0] == 0x01 && answer[1] == 0x01 && answer.AsSpan(8, 12).SequenceEqual(transaction);
}
