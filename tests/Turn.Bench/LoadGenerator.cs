using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Turn.Bench;

internal sealed record LoadOptions(
    IPEndPoint Server,
    int Clients,
    int Window,
    double DurationSeconds,
    double WarmupSeconds,
    int TimeoutMs,
    int Batch,
    int ServerPid,
    int ServerCore,
    bool Gso);

internal readonly record struct LoadResult(
    double Seconds,
    long Sent,
    long Received,
    long ErrorResponses,
    long Lost,
    long Late,
    long Foreign,
    long SendFailures,
    long Refused,
    long P50Micros,
    long P99Micros,
    long P999Micros,
    long MaxBucketMicros,
    double GeneratorCpuSeconds,
    double ServerCpuSeconds,
    double OtherCpuSeconds,
    double ServerCoreBusySeconds,
    long AllocatedBytes)
{
    public double ResponsesPerSecond => Seconds > 0 ? Received / Seconds : 0;
    public double LossFraction => (Received + ErrorResponses + Lost) > 0 ? (double)Lost / (Received + ErrorResponses + Lost) : 0;
    public double GeneratorCpuFraction => Seconds > 0 ? GeneratorCpuSeconds / Seconds : 0;
}

/// <summary>
/// Closed-loop STUN Binding load over UDP from one thread: <c>Clients</c> connected sockets, each keeping
/// <c>Window</c> requests outstanding. A response (matched by transaction id: nonce, slot, generation)
/// immediately frees its slot for the next request; a slot unanswered after <c>TimeoutMs</c> counts as
/// lost and is reissued. I/O is batched with recvmmsg/sendmmsg and driven by epoll; the steady state
/// allocates nothing.
/// </summary>
internal sealed unsafe class LoadGenerator : IDisposable
{
    private const int RecvSlot = 256;
    private static readonly long ScanTicks = Stopwatch.Frequency / 100; // timeout scan every 10 ms

    private readonly LoadOptions _o;
    private readonly Socket[] _sockets;
    private readonly int[] _fds;
    private readonly int _epfd;
    private readonly int _total;
    private readonly long[] _sentAt;
    private readonly uint[] _gen;
    private readonly bool[] _unsent;
    private readonly uint _nonce;
    private readonly long _timeoutTicks;
    private readonly LatencyHistogram _hist = new();

    private readonly int _batch;
    private readonly int _pendingCapacity;
    private readonly byte* _recvBuf;
    private readonly Native.IoVec* _recvIov;
    private readonly Native.MMsgHdr* _recvMsgs;
    private readonly byte* _sendBuf;
    private readonly Native.IoVec* _sendIov;
    private readonly Native.MMsgHdr* _sendMsgs;
    private readonly int* _pending;
    private readonly byte* _events;
    private int _pendingCount;
    private bool _gso;
    private readonly Native.MsgHdr* _gsoMsg;
    private readonly Native.IoVec* _gsoIov;
    private readonly byte* _gsoCmsg;

    private bool _measuring;
    private long _sent, _received, _errors, _lost, _late, _foreign, _sendFailures, _refused;

    public LoadGenerator(LoadOptions o)
    {
        _o = o;
        _total = o.Clients * o.Window;
        _sentAt = new long[_total];
        _gen = new uint[_total];
        _unsent = new bool[_total];
        _nonce = (uint)Random.Shared.Next() | 1u;
        _timeoutTicks = o.TimeoutMs * Stopwatch.Frequency / 1000;
        _batch = o.Batch;
        _pendingCapacity = Math.Max(o.Batch, o.Window);

        _recvBuf = (byte*)NativeMemory.AllocZeroed((nuint)(_batch * RecvSlot));
        _recvIov = (Native.IoVec*)NativeMemory.AllocZeroed((nuint)(_batch * sizeof(Native.IoVec)));
        _recvMsgs = (Native.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(_batch * sizeof(Native.MMsgHdr)));
        for (int i = 0; i < _batch; i++)
        {
            _recvIov[i].Base = _recvBuf + (i * RecvSlot);
            _recvIov[i].Length = RecvSlot;
            _recvMsgs[i].Header.Iov = &_recvIov[i];
            _recvMsgs[i].Header.IovLength = 1;
        }

        _sendBuf = (byte*)NativeMemory.AllocZeroed((nuint)(_pendingCapacity * StunWire.HeaderLength));
        _sendIov = (Native.IoVec*)NativeMemory.AllocZeroed((nuint)(_pendingCapacity * sizeof(Native.IoVec)));
        _sendMsgs = (Native.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(_pendingCapacity * sizeof(Native.MMsgHdr)));
        for (int i = 0; i < _pendingCapacity; i++)
        {
            _sendIov[i].Base = _sendBuf + (i * StunWire.HeaderLength);
            _sendIov[i].Length = StunWire.HeaderLength;
            _sendMsgs[i].Header.Iov = &_sendIov[i];
            _sendMsgs[i].Header.IovLength = 1;
        }
        _pending = (int*)NativeMemory.AllocZeroed((nuint)(_pendingCapacity * sizeof(int)));
        _gso = o.Gso;
        _gsoMsg = (Native.MsgHdr*)NativeMemory.AllocZeroed((nuint)sizeof(Native.MsgHdr));
        _gsoIov = (Native.IoVec*)NativeMemory.AllocZeroed((nuint)sizeof(Native.IoVec));
        _gsoCmsg = (byte*)NativeMemory.AllocZeroed((nuint)Native.GsoCmsgSpace);
        var cmsg = (Native.CMsgHdr*)_gsoCmsg;
        cmsg->Length = (nuint)Native.GsoCmsgLength;
        cmsg->Level = Native.SOL_UDP;
        cmsg->Type = Native.UDP_SEGMENT;
        *(ushort*)(_gsoCmsg + sizeof(Native.CMsgHdr)) = StunWire.HeaderLength;
        _events = (byte*)NativeMemory.AllocZeroed((nuint)(o.Clients * Native.EpollEventSize));

        _epfd = Native.EpollCreate1(0);
        if (_epfd < 0) throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");

        _sockets = new Socket[o.Clients];
        _fds = new int[o.Clients];
        var local = new IPEndPoint(o.Server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0);
        if (!IPAddress.IsLoopback(o.Server.Address))
            local = new IPEndPoint(o.Server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        for (int s = 0; s < o.Clients; s++)
        {
            var sock = new Socket(o.Server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                sock.ReceiveBufferSize = 1 << 20;
                sock.SendBufferSize = 1 << 20;
            }
            catch (SocketException)
            {
                // Capped by net.core.[rw]mem_max; the defaults still work.
            }
            sock.Bind(local);
            sock.Connect(o.Server);
            _sockets[s] = sock;
            _fds[s] = (int)sock.Handle;
            Native.EpollAdd(_epfd, _fds[s], (ulong)s);
        }
    }

    public LoadResult Run()
    {
        long start = Stopwatch.GetTimestamp();
        long warmupEnd = start + (long)(_o.WarmupSeconds * Stopwatch.Frequency);
        long end = warmupEnd + (long)(_o.DurationSeconds * Stopwatch.Frequency);

        for (int s = 0; s < _o.Clients; s++)
        {
            _pendingCount = 0;
            for (int k = 0; k < _o.Window; k++) _pending[_pendingCount++] = (s * _o.Window) + k;
            Flush(s);
        }

        bool warm = _o.WarmupSeconds <= 0;
        long t0 = 0;
        TimeSpan cpu0 = default;
        double srv0 = 0;
        Snapshot snap0 = default;
        long alloc0 = GC.GetAllocatedBytesForCurrentThread();
        if (warm) (t0, cpu0, srv0, snap0) = BeginMeasure();

        long nextScan = start + ScanTicks;
        while (true)
        {
            int n = Native.EpollWait(_epfd, _events, _o.Clients, 2);
            for (int i = 0; i < n; i++) Receive((int)Native.EpollData(_events, i));

            long now = Stopwatch.GetTimestamp();
            if (now >= nextScan)
            {
                Scan(now);
                nextScan = now + ScanTicks;
            }
            if (!warm && now >= warmupEnd)
            {
                warm = true;
                (t0, cpu0, srv0, snap0) = BeginMeasure();
                alloc0 = GC.GetAllocatedBytesForCurrentThread();
            }
            else if (warm && now >= end)
            {
                break;
            }
        }

        long alloc1 = GC.GetAllocatedBytesForCurrentThread();
        long t1 = Stopwatch.GetTimestamp();
        TimeSpan cpu1 = Environment.CpuUsage.TotalTime;
        double srv1 = ReadServerCpuSeconds(_o.ServerPid);
        Snapshot snap1 = TakeSnapshot();
        _measuring = false;

        return new LoadResult(
            Seconds: (t1 - t0) / (double)Stopwatch.Frequency,
            Sent: _sent,
            Received: _received,
            ErrorResponses: _errors,
            Lost: _lost,
            Late: _late,
            Foreign: _foreign,
            SendFailures: _sendFailures,
            Refused: _refused,
            P50Micros: _hist.Quantile(0.50),
            P99Micros: _hist.Quantile(0.99),
            P999Micros: _hist.Quantile(0.999),
            MaxBucketMicros: _hist.Quantile(1.0),
            GeneratorCpuSeconds: (cpu1 - cpu0).TotalSeconds,
            ServerCpuSeconds: srv0 < 0 || srv1 < 0 ? -1 : srv1 - srv0,
            OtherCpuSeconds: !snap0.Ok || !snap1.Ok ? -1
                : Math.Max(0, snap1.AllTasks - snap0.AllTasks - (cpu1 - cpu0).TotalSeconds - Math.Max(0, srv1 - srv0)),
            ServerCoreBusySeconds: !snap0.Ok || !snap1.Ok || _o.ServerCore < 0 ? -1
                : snap1.CoreTasks + snap1.CoreInterrupts - snap0.CoreTasks - snap0.CoreInterrupts,
            AllocatedBytes: alloc1 - alloc0);
    }

    private readonly record struct Snapshot(bool Ok, double AllTasks, double CoreTasks, double CoreInterrupts);

    private Snapshot TakeSnapshot()
    {
        bool ok = ReadCpuTimes(-1, out double all, out _);
        double coreTasks = 0, coreIrq = 0;
        if (_o.ServerCore >= 0) ok &= ReadCpuTimes(_o.ServerCore, out coreTasks, out coreIrq);
        return new Snapshot(ok, all, coreTasks, coreIrq);
    }

    private (long, TimeSpan, double, Snapshot) BeginMeasure()
    {
        _sent = _received = _errors = _lost = _late = _foreign = _sendFailures = _refused = 0;
        _hist.Clear();
        _measuring = true;
        Snapshot snap = TakeSnapshot();
        double srv = ReadServerCpuSeconds(_o.ServerPid);
        TimeSpan cpu = Environment.CpuUsage.TotalTime;
        return (Stopwatch.GetTimestamp(), cpu, srv, snap);
    }

    private void Receive(int s)
    {
        int r = Native.RecvMMsg(_fds[s], _recvMsgs, (uint)_batch, Native.MSG_DONTWAIT, null);
        if (r <= 0)
        {
            if (r < 0 && Marshal.GetLastPInvokeError() == Native.ECONNREFUSED) _refused++;
            return;
        }
        long now = Stopwatch.GetTimestamp();
        int window = _o.Window;
        _pendingCount = 0;
        for (int i = 0; i < r; i++)
        {
            int len = (int)Math.Min(_recvMsgs[i].Length, (uint)RecvSlot);
            var packet = new ReadOnlySpan<byte>(_recvBuf + (i * RecvSlot), len);
            var kind = StunWire.Classify(packet, _nonce, out uint slot, out uint gen);
            if (kind == StunWire.Kind.NotOurs)
            {
                _foreign++;
                continue;
            }
            if (slot >= (uint)_total || (int)slot / window != s || gen != _gen[slot] || _unsent[slot])
            {
                _late++; // answered after we gave up on it (or a duplicate)
                continue;
            }
            if (_measuring)
            {
                if (kind == StunWire.Kind.Success)
                {
                    _received++;
                    _hist.Record((now - _sentAt[slot]) * 1_000_000 / Stopwatch.Frequency);
                }
                else
                {
                    _errors++;
                }
            }
            _pending[_pendingCount++] = (int)slot;
        }
        Flush(s);
    }

    private void Scan(long now)
    {
        int window = _o.Window;
        for (int s = 0; s < _o.Clients; s++)
        {
            _pendingCount = 0;
            int first = s * window;
            for (int slot = first; slot < first + window; slot++)
            {
                if (now - _sentAt[slot] <= _timeoutTicks) continue;
                if (!_unsent[slot] && _measuring) _lost++;
                _pending[_pendingCount++] = slot;
            }
            Flush(s);
        }
    }

    /// <summary>Sends a fresh request for every slot in <see cref="_pending"/> on socket <paramref name="s"/>.</summary>
    private void Flush(int s)
    {
        int count = _pendingCount;
        if (count == 0) return;
        long now = Stopwatch.GetTimestamp();
        for (int j = 0; j < count; j++)
        {
            int slot = _pending[j];
            uint gen = ++_gen[slot];
            StunWire.WriteRequest(new Span<byte>(_sendBuf + (j * StunWire.HeaderLength), StunWire.HeaderLength), _nonce, (uint)slot, gen);
            _sentAt[slot] = now;
            _unsent[slot] = false;
        }

        int off = _gso ? SendGso(s, count) : 0;
        while (off < count)
        {
            int k = Native.SendMMsg(_fds[s], _sendMsgs + off, (uint)(count - off), Native.MSG_DONTWAIT);
            if (k > 0)
            {
                off += k;
                continue;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (k < 0 && errno == Native.EINTR) continue;
            if (k < 0 && errno == Native.ECONNREFUSED) _refused++;
            break;
        }
        if (off < count)
        {
            // Could not send the rest now (EAGAIN/ENOBUFS/...): retry them at the next timeout scan,
            // without counting them as lost.
            for (int j = off; j < count; j++) _unsent[_pending[j]] = true;
            if (_measuring) _sendFailures += count - off;
        }
        if (_measuring) _sent += off;
        _pendingCount = 0;
    }

    /// <summary>
    /// UDP GSO (UDP_SEGMENT): the batch for one socket leaves in a single sendmsg of up to 64 × 20 bytes that the
    /// kernel splits into 20-byte datagrams, so the generator pays the send path once per batch rather than per
    /// request. The server receives exactly the same datagrams. Falls back to sendmmsg if the kernel refuses.
    /// Returns how many of the pending requests went out; stops early (returning less) on EAGAIN and the like.
    /// </summary>
    private int SendGso(int s, int count)
    {
        const int MaxSegments = 64;
        int off = 0;
        while (off < count)
        {
            int n = Math.Min(count - off, MaxSegments);
            _gsoIov->Base = _sendBuf + (off * StunWire.HeaderLength);
            _gsoIov->Length = (nuint)(n * StunWire.HeaderLength);
            _gsoMsg->Iov = _gsoIov;
            _gsoMsg->IovLength = 1;
            _gsoMsg->Control = n > 1 ? _gsoCmsg : null;
            _gsoMsg->ControlLength = n > 1 ? (nuint)Native.GsoCmsgSpace : 0;
            nint r = Native.SendMsg(_fds[s], _gsoMsg, Native.MSG_DONTWAIT);
            if (r >= 0)
            {
                off += n;
                continue;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Native.EINTR) continue;
            if (errno == Native.ECONNREFUSED)
            {
                _refused++;
                return off;
            }
            if (errno is Native.EIO or Native.EINVAL or Native.ENOPROTOOPT or Native.EOPNOTSUPP && n > 1)
            {
                _gso = false; // not supported here: sendmmsg from now on
                GsoDisabledErrno = errno;
            }
            return off;
        }
        return off;
    }

    /// <summary>Whether UDP GSO is (still) in use; false when disabled by option or refused by the kernel.</summary>
    public bool UsingGso => _gso;

    /// <summary>The errno that made us give up GSO, or 0.</summary>
    public int GsoDisabledErrno { get; private set; }

    /// <summary>utime+stime of a process (all its threads) in seconds, from /proc/PID/stat; -1 if unavailable.</summary>
    public static double ReadServerCpuSeconds(int pid)
    {
        if (pid <= 0) return -1;
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            string[] f = stat[(close + 2)..].Split(' ');
            // f[0] is field 3 (state); utime and stime are fields 14 and 15.
            long utime = long.Parse(f[11], CultureInfo.InvariantCulture);
            long stime = long.Parse(f[12], CultureInfo.InvariantCulture);
            return (utime + stime) / (double)ClockTicksPerSecond;
        }
        catch (IOException)
        {
            return -1;
        }
        catch (UnauthorizedAccessException)
        {
            return -1;
        }
    }

    /// <summary>
    /// From /proc/stat, in seconds: <paramref name="tasks"/> = user+nice+system (time charged to processes) of the
    /// line <c>cpu</c> (all cores) or <c>cpuN</c>; <paramref name="interrupts"/> = irq+softirq (with IRQ time
    /// accounting, loopback packet delivery runs in softirq and is charged to no process). False if unavailable.
    /// </summary>
    public static bool ReadCpuTimes(int core, out double tasks, out double interrupts)
    {
        tasks = interrupts = 0;
        string prefix = core < 0 ? "cpu " : string.Create(CultureInfo.InvariantCulture, $"cpu{core} ");
        try
        {
            foreach (string line in File.ReadLines("/proc/stat"))
            {
                if (!line.StartsWith(prefix, StringComparison.Ordinal)) continue;
                string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // cpu user nice system idle iowait irq softirq steal ...
                long P(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
                tasks = (P(1) + P(2) + P(3)) / (double)ClockTicksPerSecond;
                interrupts = (P(6) + P(7)) / (double)ClockTicksPerSecond;
                return true;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return false;
    }

    // USER_HZ is 100 on every Linux architecture .NET runs on.
    private const int ClockTicksPerSecond = 100;

    public void Dispose()
    {
        foreach (var s in _sockets) s?.Dispose();
        if (_epfd >= 0) Native.Close(_epfd);
        NativeMemory.Free(_recvBuf);
        NativeMemory.Free(_recvIov);
        NativeMemory.Free(_recvMsgs);
        NativeMemory.Free(_sendBuf);
        NativeMemory.Free(_sendIov);
        NativeMemory.Free(_sendMsgs);
        NativeMemory.Free(_pending);
        NativeMemory.Free(_events);
        NativeMemory.Free(_gsoMsg);
        NativeMemory.Free(_gsoIov);
        NativeMemory.Free(_gsoCmsg);
    }
}
