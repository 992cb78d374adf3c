using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Turn.Protocol;

namespace Turn.Bench;

internal readonly record struct HandshakeResult(int Completed, int Failed, double Seconds, string Errors)
{
    public double PerSecond => Seconds > 0 ? Completed / Seconds : 0;
}

/// <summary>
/// The control side of the relay benchmark: <c>Count</c> UDP sockets connected to the server (one 5-tuple, so
/// one allocation, each), driven through TURN transactions from one thread with at most <c>concurrency</c>
/// sockets in a transaction at a time. Allocate follows the long-term credential mechanism as a real client
/// does: a first Allocate without credentials, the 401 (REALM, NONCE), then the Allocate with USERNAME, REALM,
/// NONCE and MESSAGE-INTEGRITY; 438 (stale nonce) retries with the new nonce. Optionally a ChannelBind of
/// <see cref="RelayWire.Channel"/> to the echo peer follows (it installs the permission too); Delete is a
/// Refresh with LIFETIME 0. Unanswered requests are retransmitted after the timeout, a few times.
/// </summary>
internal sealed unsafe class TurnSessions : IDisposable
{
    public enum Goal { Allocate, AllocateAndBind, Bind, Delete }

    private enum State : byte { Idle, AllocPlain, AllocAuth, Bind, Delete, Done, Failed }

    private const int NonceCap = 256;
    private const int TxLen = Stun.TransactionIdLength;

    private readonly Socket[] _sockets;
    private readonly int[] _fds;
    private readonly State[] _state;
    private readonly long[] _sentAt;
    private readonly byte[] _tries;
    private readonly byte[] _txids;
    private readonly byte[] _nonces;
    private readonly int[] _nonceLen;
    private readonly StunAddress[] _relayed;
    private readonly string _user;
    private readonly string _password;
    private readonly StunAddress[] _peers;
    private readonly int _epfd;
    private readonly byte* _events;
    private const int MaxEvents = 256;
    private readonly byte[] _buf = new byte[2048];
    private readonly byte[] _out = new byte[1024];
    private readonly Dictionary<string, int> _errors = new(StringComparer.Ordinal);
    private byte[] _realm = [];
    private byte[] _key = [];
    private Goal _goal;
    private int _active, _done, _failed;

    /// <param name="peers">ChannelBind peer of socket i: <c>peers[i % peers.Length]</c>.</param>
    public TurnSessions(IPEndPoint server, int count, string user, string password, IPEndPoint[] peers, int socketBuffer)
    {
        _user = user;
        _password = password;
        _peers = [.. peers.Select(StunAddress.FromIPEndPoint)];
        _sockets = new Socket[count];
        _fds = new int[count];
        _state = new State[count];
        _sentAt = new long[count];
        _tries = new byte[count];
        _txids = new byte[count * TxLen];
        _nonces = new byte[count * NonceCap];
        _nonceLen = new int[count];
        _relayed = new StunAddress[count];
        _epfd = Native.EpollCreate1(0);
        if (_epfd < 0) throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        _events = (byte*)NativeMemory.AllocZeroed((nuint)(MaxEvents * Native.EpollEventSize));
        var local = new IPEndPoint(IPAddress.IsLoopback(server.Address) ? IPAddress.Loopback : IPAddress.Any, 0);
        for (int i = 0; i < count; i++)
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            if (socketBuffer > 0)
            {
                try
                {
                    s.ReceiveBufferSize = socketBuffer;
                    s.SendBufferSize = socketBuffer;
                }
                catch (SocketException)
                {
                    // capped by net.core.[rw]mem_max
                }
            }
            s.Bind(local);
            s.Connect(server);
            _sockets[i] = s;
            _fds[i] = (int)s.Handle;
            Native.EpollAdd(_epfd, _fds[i], (ulong)i);
        }
    }

    public int Count => _sockets.Length;

    public int Fd(int i) => _fds[i];

    public IPEndPoint LocalEndPoint(int i) => (IPEndPoint)_sockets[i].LocalEndPoint!;

    /// <summary>Points socket i somewhere else (the generator's ceiling run talks to its own peer sockets).</summary>
    public void Reconnect(int i, IPEndPoint to) => _sockets[i].Connect(to);

    public StunAddress Relayed(int i) => _relayed[i];

    public bool IsDone(int i) => _state[i] == State.Done;

    /// <summary>Runs <paramref name="goal"/> on every socket, at most <paramref name="concurrency"/> at a time.</summary>
    public HandshakeResult Run(Goal goal, int concurrency, int timeoutMs, int maxTries)
    {
        _goal = goal;
        _active = _done = _failed = 0;
        _errors.Clear();
        long timeoutTicks = timeoutMs * Stopwatch.Frequency / 1000;
        long scanTicks = Stopwatch.Frequency / 100;
        int next = 0, scanFrom = 0, count = Count;
        long t0 = Stopwatch.GetTimestamp();
        long nextScan = t0 + scanTicks;
        while (_done + _failed < count)
        {
            while (_active < concurrency && next < count)
            {
                Start(next++);
            }

            int n = Native.EpollWait(_epfd, _events, MaxEvents, 2);
            for (int e = 0; e < n; e++)
            {
                ReceiveAll((int)Native.EpollData(_events, e));
            }

            long now = Stopwatch.GetTimestamp();
            if (now < nextScan) continue;
            nextScan = now + scanTicks;
            while (scanFrom < next && _state[scanFrom] is State.Done or State.Failed) scanFrom++;
            for (int i = scanFrom; i < next; i++)
            {
                if (_state[i] is State.Done or State.Failed or State.Idle || now - _sentAt[i] < timeoutTicks) continue;
                if (++_tries[i] >= maxTries)
                {
                    Fail(i, "timeout");
                    continue;
                }
                Send(i); // retransmission: same transaction id
            }
        }
        double seconds = (Stopwatch.GetTimestamp() - t0) / (double)Stopwatch.Frequency;
        string errors = _errors.Count == 0 ? "none" : string.Join(',', _errors.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}:{kv.Value}"));
        return new HandshakeResult(_done, _failed, seconds, errors);
    }

    private void Start(int i)
    {
        _active++;
        _tries[i] = 0;
        if (_goal is Goal.Delete or Goal.Bind)
        {
            if (_state[i] != State.Done)
            {
                Finish(i, State.Failed); // never allocated: nothing to delete or bind
                return;
            }
            _state[i] = _goal == Goal.Delete ? State.Delete : State.Bind;
        }
        else
        {
            _state[i] = State.AllocPlain;
        }
        NewTransaction(i);
        Send(i);
    }

    private void NewTransaction(int i) => Random.Shared.NextBytes(_txids.AsSpan(i * TxLen, TxLen));

    private void Send(int i)
    {
        ReadOnlySpan<byte> tx = _txids.AsSpan(i * TxLen, TxLen);
        var w = new StunMessageWriter(_out);
        switch (_state[i])
        {
            case State.AllocPlain:
                w.WriteHeader(StunMethod.Allocate, StunClass.Request, tx);
                w.AddRequestedTransport(17);
                break;
            case State.AllocAuth:
                w.WriteHeader(StunMethod.Allocate, StunClass.Request, tx);
                w.AddRequestedTransport(17);
                AddCredentials(ref w, i);
                break;
            case State.Bind:
                w.WriteHeader(StunMethod.ChannelBind, StunClass.Request, tx);
                w.AddChannelNumber(RelayWire.Channel);
                w.AddXorAddress(StunAttributeType.XorPeerAddress, _peers[i % _peers.Length]);
                AddCredentials(ref w, i);
                break;
            case State.Delete:
                w.WriteHeader(StunMethod.Refresh, StunClass.Request, tx);
                w.AddLifetime(0);
                AddCredentials(ref w, i);
                break;
            default:
                return;
        }
        if (w.Overflowed) throw new InvalidOperationException("request did not fit");
        _sentAt[i] = Stopwatch.GetTimestamp();
        fixed (byte* p = _out)
        {
            // A failed send (ENOBUFS, ECONNREFUSED) is retried by the timeout scan.
            Native.Send(_fds[i], p, (nuint)w.Length, Native.MSG_DONTWAIT);
        }
    }

    private void AddCredentials(ref StunMessageWriter w, int i)
    {
        w.AddUsername(_user);
        w.AddUtf8(StunAttributeType.Realm, _realm);
        w.AddUtf8(StunAttributeType.Nonce, _nonces.AsSpan(i * NonceCap, _nonceLen[i]));
        w.AddMessageIntegrity(_key);
    }

    private void ReceiveAll(int i)
    {
        fixed (byte* p = _buf)
        {
            while (true)
            {
                nint n = Native.Recv(_fds[i], p, (nuint)_buf.Length, Native.MSG_DONTWAIT);
                if (n < 0)
                {
                    if (Marshal.GetLastPInvokeError() == Native.EINTR) continue;
                    return; // EAGAIN, or an ICMP error (retried by the timeout scan)
                }
                OnResponse(i, _buf.AsSpan(0, (int)n));
            }
        }
    }

    private void OnResponse(int i, ReadOnlySpan<byte> packet)
    {
        if (StunMessage.TryParse(packet, out StunMessage msg) != StunParseStatus.Ok) return;
        if (!msg.TransactionId.SequenceEqual(_txids.AsSpan(i * TxLen, TxLen))) return; // stale retransmission
        State st = _state[i];
        if (st is State.Done or State.Failed or State.Idle) return;

        if (msg.IsSuccessResponse)
        {
            switch (st)
            {
                case State.AllocPlain or State.AllocAuth:
                    msg.TryGetXorAddress(StunAttributeType.XorRelayedAddress, out _relayed[i]);
                    if (_goal == Goal.AllocateAndBind)
                    {
                        _state[i] = State.Bind;
                        _tries[i] = 0;
                        NewTransaction(i);
                        Send(i);
                    }
                    else
                    {
                        Finish(i, State.Done);
                    }
                    return;
                case State.Bind or State.Delete:
                    Finish(i, State.Done);
                    return;
            }
            return;
        }

        if (!msg.IsErrorResponse) return;
        msg.TryGetErrorCode(out int code, out _);
        bool fresh = code is 401 or 438 && TakeNonce(i, msg);
        if (fresh && (st == State.AllocPlain || (code == 438 && _tries[i] < 3) || (code == 401 && st != State.AllocAuth && _tries[i] < 3)))
        {
            // 401 to the credential-less Allocate: now with credentials. 438 (or a 401 on a later request): new nonce.
            if (st == State.AllocPlain) _state[i] = State.AllocAuth;
            _tries[i]++;
            NewTransaction(i);
            Send(i);
            return;
        }
        if (st == State.Delete && code == 437)
        {
            Finish(i, State.Done); // already gone
            return;
        }
        Fail(i, code.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Keeps the NONCE (and REALM, deriving the key once per realm) of a 401/438.</summary>
    private bool TakeNonce(int i, in StunMessage msg)
    {
        if (!msg.TryGetAttribute(StunAttributeType.Nonce, out ReadOnlySpan<byte> nonce) || nonce.Length > NonceCap) return false;
        nonce.CopyTo(_nonces.AsSpan(i * NonceCap));
        _nonceLen[i] = nonce.Length;
        if (msg.TryGetAttribute(StunAttributeType.Realm, out ReadOnlySpan<byte> realm) && !realm.SequenceEqual(_realm))
        {
            _realm = realm.ToArray();
            _key = StunKeys.LongTermMd5(_user, Encoding.UTF8.GetString(_realm), _password);
        }
        return _key.Length > 0;
    }

    private void Fail(int i, string reason)
    {
        _errors[reason] = _errors.GetValueOrDefault(reason) + 1;
        Finish(i, State.Failed);
    }

    private void Finish(int i, State final)
    {
        _state[i] = final;
        _active--;
        if (final == State.Done) _done++;
        else _failed++;
    }

    public void Dispose()
    {
        foreach (Socket s in _sockets) s?.Dispose();
        if (_epfd >= 0) Native.Close(_epfd);
        NativeMemory.Free(_events);
    }
}
