using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Turn.Protocol;

namespace Turn.Bench;

/// <summary>
/// Allocations as many different users, for the user-database benchmark: socket i (its own 5-tuple, so its own
/// allocation) authenticates as user <c>first + i</c>. Each Allocate goes as a real client does it: without
/// credentials, the 401 (REALM, NONCE), then again with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY under the
/// user's long-term key (RFC 8489 §9.2); a 438 (stale nonce) retries with the new nonce. At most
/// <c>concurrency</c> sockets are in a transaction at a time; an unanswered request is retransmitted (same
/// transaction id) after the timeout, a few times. One thread, epoll.
/// </summary>
internal sealed unsafe class UserAllocations : IDisposable
{
    private enum State : byte { Idle, Plain, Auth, Done, Failed }

    private const int TxLen = Stun.TransactionIdLength;
    private const int NonceCap = 256;
    private const int MaxEvents = 256;

    private readonly Socket[] _sockets;
    private readonly int[] _fds;
    private readonly string[] _users;
    private readonly string[] _passwords;
    private readonly byte[][] _keys;
    private readonly State[] _state;
    private readonly long[] _sentAt;
    private readonly byte[] _tries;
    private readonly byte[] _txids;
    private readonly byte[] _nonces;
    private readonly int[] _nonceLen;
    private readonly int _epfd;
    private readonly byte* _events;
    private readonly byte[] _buf = new byte[2048];
    private readonly byte[] _out = new byte[1024];
    private readonly Dictionary<string, int> _errors = new(StringComparer.Ordinal);
    private byte[] _realm;
    private int _active, _done, _failed;

    /// <param name="realm">The realm the server is expected to name in its 401 (the keys are derived for it up front,
    /// so key derivation is not part of the measured time; a different realm is followed, at a small cost).</param>
    public UserAllocations(IPEndPoint server, int first, int count, string userPrefix, string passwordPrefix, string realm)
    {
        _sockets = new Socket[count];
        _fds = new int[count];
        _users = new string[count];
        _passwords = new string[count];
        _keys = new byte[count][];
        _state = new State[count];
        _sentAt = new long[count];
        _tries = new byte[count];
        _txids = new byte[count * TxLen];
        _nonces = new byte[count * NonceCap];
        _nonceLen = new int[count];
        _realm = Encoding.UTF8.GetBytes(realm);
        _epfd = Native.EpollCreate1(0);
        if (_epfd < 0) throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        _events = (byte*)NativeMemory.AllocZeroed((nuint)(MaxEvents * Native.EpollEventSize));
        var local = new IPEndPoint(IPAddress.IsLoopback(server.Address) ? IPAddress.Loopback : IPAddress.Any, 0);
        for (int i = 0; i < count; i++)
        {
            _users[i] = userPrefix + (first + i).ToString(System.Globalization.CultureInfo.InvariantCulture);
            _passwords[i] = passwordPrefix + (first + i).ToString(System.Globalization.CultureInfo.InvariantCulture);
            _keys[i] = StunKeys.LongTermMd5(_users[i], realm, _passwords[i]);
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(local);
            s.Connect(server);
            _sockets[i] = s;
            _fds[i] = (int)s.Handle;
            Native.EpollAdd(_epfd, _fds[i], (ulong)i);
        }
    }

    public int Count => _sockets.Length;

    /// <summary>Allocates on every socket, at most <paramref name="concurrency"/> at a time.</summary>
    public HandshakeResult Run(int concurrency, int timeoutMs, int maxTries)
    {
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
                int i = next++;
                _active++;
                _tries[i] = 0;
                _state[i] = State.Plain;
                Random.Shared.NextBytes(_txids.AsSpan(i * TxLen, TxLen));
                Send(i);
            }

            int n = Native.EpollWait(_epfd, _events, MaxEvents, 2);
            for (int e = 0; e < n; e++) ReceiveAll((int)Native.EpollData(_events, e));

            long now = Stopwatch.GetTimestamp();
            if (now < nextScan) continue;
            nextScan = now + scanTicks;
            while (scanFrom < next && _state[scanFrom] is State.Done or State.Failed) scanFrom++;
            for (int i = scanFrom; i < next; i++)
            {
                if (_state[i] is not (State.Plain or State.Auth) || now - _sentAt[i] < timeoutTicks) continue;
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

    private void Send(int i)
    {
        var w = new StunMessageWriter(_out);
        w.WriteHeader(StunMethod.Allocate, StunClass.Request, _txids.AsSpan(i * TxLen, TxLen));
        w.AddRequestedTransport(17);
        if (_state[i] == State.Auth)
        {
            w.AddUsername(_users[i]);
            w.AddUtf8(StunAttributeType.Realm, _realm);
            w.AddUtf8(StunAttributeType.Nonce, _nonces.AsSpan(i * NonceCap, _nonceLen[i]));
            w.AddMessageIntegrity(_keys[i]);
        }
        if (w.Overflowed) throw new InvalidOperationException("request did not fit");
        _sentAt[i] = Stopwatch.GetTimestamp();
        fixed (byte* p = _out)
        {
            Native.Send(_fds[i], p, (nuint)w.Length, Native.MSG_DONTWAIT); // a failed send is retried by the scan
        }
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
                    return;
                }
                OnResponse(i, _buf.AsSpan(0, (int)n));
            }
        }
    }

    private void OnResponse(int i, ReadOnlySpan<byte> packet)
    {
        if (StunMessage.TryParse(packet, out StunMessage msg) != StunParseStatus.Ok) return;
        if (!msg.TransactionId.SequenceEqual(_txids.AsSpan(i * TxLen, TxLen))) return; // a stale retransmission
        State st = _state[i];
        if (st is not (State.Plain or State.Auth)) return;
        if (msg.IsSuccessResponse)
        {
            Finish(i, State.Done);
            return;
        }
        if (!msg.IsErrorResponse) return;
        msg.TryGetErrorCode(out int code, out _);
        if ((code == 401 && st == State.Plain) || (code == 438 && _tries[i] < 3))
        {
            if (!msg.TryGetAttribute(StunAttributeType.Nonce, out ReadOnlySpan<byte> nonce) || nonce.Length > NonceCap)
            {
                Fail(i, "no-nonce");
                return;
            }
            nonce.CopyTo(_nonces.AsSpan(i * NonceCap));
            _nonceLen[i] = nonce.Length;
            if (msg.TryGetAttribute(StunAttributeType.Realm, out ReadOnlySpan<byte> realm) && !realm.SequenceEqual(_realm))
            {
                _realm = realm.ToArray();
                string r = Encoding.UTF8.GetString(_realm);
                for (int k = 0; k < _keys.Length; k++) _keys[k] = StunKeys.LongTermMd5(_users[k], r, _passwords[k]);
            }
            if (code == 438) _tries[i]++;
            _state[i] = State.Auth;
            Random.Shared.NextBytes(_txids.AsSpan(i * TxLen, TxLen));
            Send(i);
            return;
        }
        Fail(i, code.ToString(System.Globalization.CultureInfo.InvariantCulture));
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
