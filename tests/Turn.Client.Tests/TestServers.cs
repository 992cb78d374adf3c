using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Turn.Protocol;

namespace Turn.Client.Tests;

/// <summary>
/// A tiny UDP "STUN server" on 127.0.0.1:0 whose answers are decided per test: the policy gets the 0-based index of
/// each datagram received, its bytes and its source, and returns the datagrams to send back (to the source).
/// </summary>
internal sealed class UdpResponder : IAsyncDisposable
{
    public delegate IEnumerable<(byte[] Packet, IPEndPoint To)> Policy(int index, byte[] request, IPEndPoint from);

    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Policy _policy;
    private readonly Task _loop;
    private readonly object _gate = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private int _count;

    public UdpResponder(Policy policy)
    {
        _policy = policy;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Answers every request with a Binding success carrying XOR-MAPPED-ADDRESS = the request's source.</summary>
    public static UdpResponder Echo() => new((_, req, from) => [(StunPackets.Success(req, from), from)]);

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public ConcurrentQueue<byte[]> Requests { get; } = new();

    public int Count => Volatile.Read(ref _count);

    /// <summary>Completes once <paramref name="count"/> datagrams have been received; fails after <paramref name="limit"/>.</summary>
    public Task WaitForRequestsAsync(int count, TimeSpan limit)
    {
        Task wait;
        lock (_gate)
        {
            if (_count >= count) return Task.CompletedTask;
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, tcs));
            wait = tcs.Task;
        }
        return wait.WaitAsync(limit);
    }

    private async Task LoopAsync()
    {
        byte[] buffer = new byte[65_536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            byte[] request = buffer.AsSpan(0, r.ReceivedBytes).ToArray();
            var from = (IPEndPoint)r.RemoteEndPoint;
            Requests.Enqueue(request);
            int index;
            lock (_gate)
            {
                index = _count++;
            }
            foreach (var (packet, to) in _policy(index, request, from))
                await _socket.SendToAsync(packet, SocketFlags.None, to);
            lock (_gate)
            {
                foreach (var w in _waiters.Where(w => _count >= w.Count).ToList())
                {
                    _waiters.Remove(w);
                    w.Done.TrySetResult();
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (OperationCanceledException)
        {
        }
        _socket.Dispose();
        _stop.Dispose();
    }
}

/// <summary>Builds responses with Turn.Protocol's writer.</summary>
internal static class StunPackets
{
    public static byte[] TransactionId(byte[] request) => request[8..20];

    public static byte[] Success(byte[] request, IPEndPoint mapped, byte[]? transactionId = null, bool fingerprint = false,
        bool corruptFingerprint = false, IPEndPoint? other = null, IPEndPoint? origin = null, string? software = null)
    {
        byte[] buffer = new byte[512];
        var w = new StunMessageWriter(buffer);
        w.WriteHeader(StunMethod.Binding, StunClass.SuccessResponse, transactionId ?? TransactionId(request));
        w.AddXorAddress(StunAttributeType.XorMappedAddress, StunAddress.FromIPEndPoint(mapped));
        if (origin is not null) w.AddAddress(StunAttributeType.ResponseOrigin, StunAddress.FromIPEndPoint(origin));
        if (other is not null) w.AddAddress(StunAttributeType.OtherAddress, StunAddress.FromIPEndPoint(other));
        if (software is not null) w.AddSoftware(software);
        if (fingerprint) w.AddFingerprint();
        byte[] packet = w.Written.ToArray();
        if (corruptFingerprint) packet[^1] ^= 0xFF;
        return packet;
    }

    public static byte[] Error(byte[] request, int code, string reason)
    {
        byte[] buffer = new byte[512];
        var w = new StunMessageWriter(buffer);
        w.WriteHeader(StunMethod.Binding, StunClass.ErrorResponse, TransactionId(request));
        w.AddErrorCode(code, reason);
        return w.Written.ToArray();
    }

    /// <summary>Options short enough for tests: RTO 50 ms, 3 transmissions, last wait 2 RTO → 50+100+100 = 250 ms.</summary>
    public static StunClientOptions Fast { get; } = new()
    {
        InitialRto = TimeSpan.FromMilliseconds(50),
        MaxTransmissions = 3,
        FinalWaitMultiplier = 2,
        TcpTimeout = TimeSpan.FromMilliseconds(300),
    };

    /// <summary>Options for "the answer will come": long waits so that a slow CI machine cannot time out first.</summary>
    public static StunClientOptions Patient { get; } = new()
    {
        InitialRto = TimeSpan.FromMilliseconds(100),
        MaxTransmissions = 7,
        FinalWaitMultiplier = 16,
    };
}
