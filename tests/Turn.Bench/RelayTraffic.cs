using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Turn.Bench;

/// <summary>One measured window of relay traffic.</summary>
internal readonly record struct TrialResult(
    double TargetRelayed,
    double Seconds,
    long Sent,
    long PeerReceived,
    long ClientReceived,
    long Lost,
    long P50Micros,
    long P99Micros,
    long P999Micros,
    long MaxLagMicros,
    double GeneratorCpuSeconds,
    double ServerCpuSeconds,
    double OtherCpuSeconds,
    double ServerCoreBusySeconds,
    double StealSeconds,
    long AllocatedBytes)
{
    /// <summary>Datagrams the server relayed in the window: client→peer plus peer→client.</summary>
    public long Relayed => PeerReceived + ClientReceived;

    public double RelayedPerSecond => Seconds > 0 ? Relayed / Seconds : 0;

    /// <summary>What the generator offered, in relayed packets/s (each ChannelData sent should be relayed twice).</summary>
    public double OfferedPerSecond => Seconds > 0 ? 2.0 * Sent / Seconds : 0;

    public double LossPct => Sent > 0 ? 100.0 * Lost / Sent : 0;

    public double ServerCpuPerMillion => ServerCpuSeconds >= 0 && Relayed > 0 ? ServerCpuSeconds / (Relayed / 1e6) : -1;
}

/// <summary>
/// The data side of the relay benchmark, on one thread: N client sockets (each with an allocation and channel
/// <see cref="RelayWire.Channel"/> bound to the peer) send ChannelData; the generator's own peer socket receives
/// each payload from the relay address and sends it straight back (recvmmsg → sendmmsg in place); the server
/// relays it to the client as ChannelData. So one process drives both ends and times the full round trip
/// client → relay → peer → relay → client from a timestamp in the payload.
/// Two ways to load: <see cref="RunPaced"/> (open loop at a fixed rate, evenly spread over the clients; the
/// loop spins so that sends are not bunched) and <see cref="RunWindow"/> (closed loop, W packets in flight per
/// client: the server's saturated throughput). The measurement loops allocate nothing.
/// </summary>
internal sealed unsafe class RelayTraffic : IDisposable
{
    private const int Slot = 2048;
    private const int NameSize = 128;
    private const int MaxSegments = 64;
    private const int DrainRounds = 8;

    private readonly TurnSessions _clients;
    private readonly int _n;
    private readonly int[] _cfd;
    private readonly int[] _pfd;
    private readonly int _peerOffset;
    private readonly int _epfd;
    private readonly int _payload;
    private readonly int _pktLen;
    private readonly int _batch;
    private readonly int _serverPid;
    private readonly int _serverCore;
    private readonly uint _nonce;
    private readonly LatencyHistogram _hist = new();

    private readonly byte* _rbuf;
    private readonly byte* _names;
    private readonly Native.IoVec* _riov;
    private readonly Native.MMsgHdr* _rmsgs;
    private readonly byte* _sbuf;
    private readonly Native.IoVec* _siov;
    private readonly Native.MMsgHdr* _smsgs;
    private readonly Native.MsgHdr* _gsoMsg;
    private readonly Native.IoVec* _gsoIov;
    private readonly byte* _gsoCmsg;
    private readonly byte* _events;
    private readonly double[] _next;
    private bool _gso = true;

    // window mode
    private int _window;
    private uint[] _gen = [];
    private long[] _sentAt = [];
    private bool[] _unsent = [];
    private int[] _pending = [];
    private int _pendingCount;
    private bool _closedLoop;

    private uint _trial;
    private bool _measuring;
    private long _sent, _peerRx, _clientRx, _lost, _late, _foreign, _sendFailures, _echoFailures;
    private long _trialSent, _trialReturned;

    /// <param name="peers">One shared peer socket (unconnected: echoes with sendmmsg to each sender), or one per client,
    /// connected to that client's relayed address (echoes a batch with one GSO sendmsg).</param>
    /// <param name="direct">No server: each client socket is connected to its peer socket and back (the generator's
    /// own ceiling: the same sends and receives per round trip, without the relay in between).</param>
    public RelayTraffic(TurnSessions clients, Socket[] peers, int payload, int batch, int serverPid, int serverCore, bool direct = false)
    {
        _peerOffset = direct ? RelayWire.ChannelHeader : 0;
        _clients = clients;
        _n = clients.Count;
        _cfd = new int[_n];
        for (int c = 0; c < _n; c++) _cfd[c] = clients.Fd(c);
        _pfd = [.. peers.Select(p => (int)p.Handle)];
        _payload = payload;
        _pktLen = RelayWire.ChannelHeader + payload;
        _batch = batch;
        _serverPid = serverPid;
        _serverCore = serverCore;
        _nonce = (uint)Random.Shared.Next() | 1u;
        _next = new double[_n];

        _rbuf = (byte*)NativeMemory.AllocZeroed((nuint)(batch * Slot));
        _names = (byte*)NativeMemory.AllocZeroed((nuint)(batch * NameSize));
        _riov = (Native.IoVec*)NativeMemory.AllocZeroed((nuint)(batch * sizeof(Native.IoVec)));
        _rmsgs = (Native.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(batch * sizeof(Native.MMsgHdr)));
        int sendSlots = Math.Max(MaxSegments, 256);
        _sbuf = (byte*)NativeMemory.AllocZeroed((nuint)(sendSlots * _pktLen));
        _siov = (Native.IoVec*)NativeMemory.AllocZeroed((nuint)(sendSlots * sizeof(Native.IoVec)));
        _smsgs = (Native.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(sendSlots * sizeof(Native.MMsgHdr)));
        for (int i = 0; i < sendSlots; i++)
        {
            RelayWire.WriteChannelHeader(new Span<byte>(_sbuf + (i * _pktLen), _pktLen), payload);
            _siov[i].Base = _sbuf + (i * _pktLen);
            _siov[i].Length = (nuint)_pktLen;
            _smsgs[i].Header.Iov = &_siov[i];
            _smsgs[i].Header.IovLength = 1;
        }
        _gsoMsg = (Native.MsgHdr*)NativeMemory.AllocZeroed((nuint)sizeof(Native.MsgHdr));
        _gsoIov = (Native.IoVec*)NativeMemory.AllocZeroed((nuint)sizeof(Native.IoVec));
        _gsoCmsg = (byte*)NativeMemory.AllocZeroed((nuint)Native.GsoCmsgSpace);
        var cmsg = (Native.CMsgHdr*)_gsoCmsg;
        cmsg->Length = (nuint)Native.GsoCmsgLength;
        cmsg->Level = Native.SOL_UDP;
        cmsg->Type = Native.UDP_SEGMENT;
        *(ushort*)(_gsoCmsg + sizeof(Native.CMsgHdr)) = (ushort)_pktLen;
        _events = (byte*)NativeMemory.AllocZeroed((nuint)((_n + _pfd.Length) * Native.EpollEventSize));

        _epfd = Native.EpollCreate1(0);
        if (_epfd < 0) throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        for (int c = 0; c < _n; c++) Native.EpollAdd(_epfd, _cfd[c], (ulong)c);
        for (int p = 0; p < _pfd.Length; p++) Native.EpollAdd(_epfd, _pfd[p], (ulong)(_n + p));
    }

    public bool UsingGso => _gso;

    public long Late => _late;

    public long Foreign => _foreign;

    public long SendFailures => _sendFailures;

    public long EchoFailures => _echoFailures;

    /// <summary>
    /// Open loop: ChannelData at <paramref name="relayedRate"/>/2 per second in total (each is relayed twice), client c
    /// sending every N/rate seconds with phase c/N, for <paramref name="seconds"/>; then up to
    /// <paramref name="drainSeconds"/> for the stragglers. Lost = sent − came back.
    /// </summary>
    public TrialResult RunPaced(double relayedRate, double seconds, double drainSeconds)
    {
        _closedLoop = false;
        double perClient = relayedRate / 2 / _n;
        double interval = Stopwatch.Frequency / perClient;
        var m = Begin();
        long t0 = m.T0;
        for (int c = 0; c < _n; c++) _next[c] = t0 + (c * interval / _n);
        long end = t0 + (long)(seconds * Stopwatch.Frequency);
        long maxLag = 0;
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            if (now >= end) break;
            for (int c = 0; c < _n; c++)
            {
                double due = _next[c];
                if (due > now) continue;
                long lag = now - (long)due;
                if (lag > maxLag) maxLag = lag;
                int k = 0;
                do
                {
                    k++;
                    due += interval;
                }
                while (due <= now && k < MaxSegments);
                _next[c] = due;
                SendFresh(c, k, now);
            }
            int n = Native.EpollWait(_epfd, _events, _n + _pfd.Length, 0);
            for (int i = 0; i < n; i++) Dispatch((int)Native.EpollData(_events, i));
        }
        var r = End(m, relayedRate, maxLag);
        Drain(drainSeconds, untilReturned: true);
        return r with { Lost = _trialSent - _trialReturned };
    }

    /// <summary>
    /// Closed loop: every client keeps <paramref name="window"/> packets in flight (a returned packet is sent again
    /// at once; one unanswered after <paramref name="timeoutMs"/> counts as lost and is replaced) for
    /// <paramref name="warmupSeconds"/> unmeasured, then <paramref name="seconds"/> measured.
    /// </summary>
    public TrialResult RunWindow(int window, double warmupSeconds, double seconds, int timeoutMs)
    {
        if (_window != window)
        {
            _window = window;
            _gen = new uint[_n * window];
            _sentAt = new long[_n * window];
            _unsent = new bool[_n * window];
            _pending = new int[Math.Max(window, _batch) + MaxSegments];
        }
        _closedLoop = true;
        _trial++;
        _measuring = false;
        long timeoutTicks = timeoutMs * Stopwatch.Frequency / 1000;
        long scanTicks = Stopwatch.Frequency / 100;
        long start = Stopwatch.GetTimestamp();
        for (int c = 0; c < _n; c++)
        {
            _pendingCount = 0;
            for (int k = 0; k < window; k++) _pending[_pendingCount++] = (c * window) + k;
            Flush(c);
        }
        long warmEnd = start + (long)(warmupSeconds * Stopwatch.Frequency);
        long end = long.MaxValue;
        long nextScan = start + scanTicks;
        Measure m = default;
        while (true)
        {
            int n = Native.EpollWait(_epfd, _events, _n + _pfd.Length, 1);
            for (int i = 0; i < n; i++) Dispatch((int)Native.EpollData(_events, i));
            long now = Stopwatch.GetTimestamp();
            if (now >= nextScan)
            {
                nextScan = now + scanTicks;
                ScanTimeouts(now, timeoutTicks);
            }
            if (!_measuring && now >= warmEnd)
            {
                m = Begin(keepTrial: true);
                end = m.T0 + (long)(seconds * Stopwatch.Frequency);
            }
            else if (_measuring && now >= end)
            {
                break;
            }
        }
        var r = End(m, 0, 0);
        _closedLoop = false; // stop re-sending; let what is in flight come back (or not) before the next run
        Drain(0.1, untilReturned: false);
        return r with { Lost = _lost };
    }

    private readonly record struct Measure(long T0, TimeSpan Cpu0, double Srv0, bool SnapOk, double All0, double CoreTasks0, double CoreIrq0, double Steal0, long Alloc0);

    /// <summary>
    /// Steal time of all cores in seconds (/proc/stat "cpu" field 8): time the hypervisor ran something else while
    /// a virtual core wanted to run; a few milliseconds of it stall the generator or the server (p99 spikes). -1 if unknown.
    /// </summary>
    public static double ReadStealSeconds()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/stat"))
            {
                if (!line.StartsWith("cpu ", StringComparison.Ordinal)) continue;
                string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return f.Length > 8 ? long.Parse(f[8], System.Globalization.CultureInfo.InvariantCulture) / 100.0 : -1;
            }
        }
        catch (IOException)
        {
        }
        return -1;
    }

    private Measure Begin(bool keepTrial = false)
    {
        if (!keepTrial) _trial++;
        _sent = _peerRx = _clientRx = _lost = _late = _foreign = _sendFailures = _echoFailures = 0;
        _trialSent = _trialReturned = 0;
        _hist.Clear();
        bool ok = LoadGenerator.ReadCpuTimes(-1, out double all, out _);
        double coreTasks = 0, coreIrq = 0;
        if (_serverCore >= 0) ok &= LoadGenerator.ReadCpuTimes(_serverCore, out coreTasks, out coreIrq);
        double steal = ReadStealSeconds();
        double srv = LoadGenerator.ReadServerCpuSeconds(_serverPid);
        TimeSpan cpu = Environment.CpuUsage.TotalTime;
        long alloc = GC.GetAllocatedBytesForCurrentThread();
        _measuring = true;
        return new Measure(Stopwatch.GetTimestamp(), cpu, srv, ok, all, coreTasks, coreIrq, steal, alloc);
    }

    private TrialResult End(in Measure m, double target, long maxLagTicks)
    {
        long t1 = Stopwatch.GetTimestamp();
        long alloc1 = GC.GetAllocatedBytesForCurrentThread();
        TimeSpan cpu1 = Environment.CpuUsage.TotalTime;
        double srv1 = LoadGenerator.ReadServerCpuSeconds(_serverPid);
        bool ok = LoadGenerator.ReadCpuTimes(-1, out double all1, out _) && m.SnapOk;
        double coreTasks1 = 0, coreIrq1 = 0;
        if (_serverCore >= 0) ok &= LoadGenerator.ReadCpuTimes(_serverCore, out coreTasks1, out coreIrq1);
        double steal1 = ReadStealSeconds();
        long sent = _sent, peerRx = _peerRx, clientRx = _clientRx;
        _measuring = false;
        double gen = (cpu1 - m.Cpu0).TotalSeconds;
        double srv = m.Srv0 < 0 || srv1 < 0 ? -1 : srv1 - m.Srv0;
        return new TrialResult(
            TargetRelayed: target,
            Seconds: (t1 - m.T0) / (double)Stopwatch.Frequency,
            Sent: sent,
            PeerReceived: peerRx,
            ClientReceived: clientRx,
            Lost: 0,
            P50Micros: _hist.Quantile(0.50),
            P99Micros: _hist.Quantile(0.99),
            P999Micros: _hist.Quantile(0.999),
            MaxLagMicros: maxLagTicks * 1_000_000 / Stopwatch.Frequency,
            GeneratorCpuSeconds: gen,
            ServerCpuSeconds: srv,
            OtherCpuSeconds: ok ? Math.Max(0, all1 - m.All0 - gen - Math.Max(0, srv)) : -1,
            ServerCoreBusySeconds: ok && _serverCore >= 0 ? coreTasks1 + coreIrq1 - m.CoreTasks0 - m.CoreIrq0 : -1,
            StealSeconds: m.Steal0 >= 0 && steal1 >= 0 ? steal1 - m.Steal0 : -1,
            AllocatedBytes: alloc1 - m.Alloc0);
    }

    /// <summary>Keeps receiving (and echoing) for up to <paramref name="seconds"/>; with <paramref name="untilReturned"/>,
    /// stops as soon as everything sent in the trial came back.</summary>
    private void Drain(double seconds, bool untilReturned)
    {
        long end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end)
        {
            if (untilReturned && _trialReturned >= _trialSent) break;
            int n = Native.EpollWait(_epfd, _events, _n + _pfd.Length, 1);
            for (int i = 0; i < n; i++) Dispatch((int)Native.EpollData(_events, i));
        }
    }

    private void Dispatch(int index)
    {
        if (index >= _n) EchoPeer(index - _n);
        else ReceiveClient(index);
    }

    private void ResetReceive()
    {
        for (int i = 0; i < _batch; i++)
        {
            _riov[i].Base = _rbuf + (i * Slot);
            _riov[i].Length = Slot;
            _rmsgs[i].Header.Iov = &_riov[i];
            _rmsgs[i].Header.IovLength = 1;
            _rmsgs[i].Header.Name = _names + (i * NameSize);
            _rmsgs[i].Header.NameLength = NameSize;
            _rmsgs[i].Header.Control = null;
            _rmsgs[i].Header.ControlLength = 0;
            _rmsgs[i].Header.Flags = 0;
        }
    }

    /// <summary>The peer: everything that arrives goes back to where it came from (the relay address), unchanged.</summary>
    private void EchoPeer(int p)
    {
        int fd = _pfd[p];
        bool connected = _pfd.Length > 1;
        for (int round = 0; round < DrainRounds; round++)
        {
            ResetReceive();
            int r = Native.RecvMMsg(fd, _rmsgs, (uint)_batch, Native.MSG_DONTWAIT, null);
            if (r <= 0) return;
            bool same = true;
            uint len0 = _rmsgs[0].Length;
            for (int i = 0; i < r; i++)
            {
                uint len = _rmsgs[i].Length;
                _riov[i].Length = len;
                same &= len == len0;
                if (_measuring && len >= _peerOffset + RelayWire.MinPayload)
                {
                    var q = new ReadOnlySpan<byte>(_rbuf + (i * Slot) + _peerOffset, RelayWire.MinPayload);
                    if (RelayWire.Nonce(q) == _nonce && RelayWire.Trial(q) == _trial) _peerRx++;
                }
            }
            int off = 0;
            if (connected && _gso && same && r > 1 && len0 > 0)
            {
                // Connected to the relay address: the whole batch in one sendmsg, cut into len0-byte datagrams by
                // the kernel (UDP_SEGMENT applies to the concatenated iovecs).
                *(ushort*)(_gsoCmsg + sizeof(Native.CMsgHdr)) = (ushort)len0;
                _gsoMsg->Iov = _riov;
                _gsoMsg->IovLength = (nuint)r;
                _gsoMsg->Control = _gsoCmsg;
                _gsoMsg->ControlLength = (nuint)Native.GsoCmsgSpace;
                nint k;
                do
                {
                    k = Native.SendMsg(fd, _gsoMsg, Native.MSG_DONTWAIT);
                }
                while (k < 0 && Marshal.GetLastPInvokeError() == Native.EINTR);
                *(ushort*)(_gsoCmsg + sizeof(Native.CMsgHdr)) = (ushort)_pktLen;
                if (k >= 0) off = r;
            }
            if (connected)
            {
                for (int i = off; i < r; i++) _rmsgs[i].Header.Name = null;
            }
            while (off < r)
            {
                int k = Native.SendMMsg(fd, _rmsgs + off, (uint)(r - off), Native.MSG_DONTWAIT);
                if (k > 0)
                {
                    off += k;
                    continue;
                }
                if (k < 0 && Marshal.GetLastPInvokeError() == Native.EINTR) continue;
                _echoFailures += r - off;
                break;
            }
            if (r < _batch) return;
        }
    }

    private void ReceiveClient(int c)
    {
        for (int round = 0; round < DrainRounds; round++)
        {
            ResetReceive();
            int r = Native.RecvMMsg(_cfd[c], _rmsgs, (uint)_batch, Native.MSG_DONTWAIT, null);
            if (r <= 0) return;
            long now = Stopwatch.GetTimestamp();
            _pendingCount = 0;
            for (int i = 0; i < r; i++)
            {
                byte* b = _rbuf + (i * Slot);
                if (_rmsgs[i].Length != (uint)_pktLen || b[0] != (RelayWire.Channel >> 8) || b[1] != (RelayWire.Channel & 0xFF))
                {
                    _foreign++;
                    continue;
                }
                var p = new ReadOnlySpan<byte>(b + RelayWire.ChannelHeader, RelayWire.MinPayload);
                if (RelayWire.Nonce(p) != _nonce || RelayWire.Client(p) != c)
                {
                    _foreign++;
                    continue;
                }
                if (RelayWire.Trial(p) != _trial)
                {
                    _late++;
                    continue;
                }
                if (_closedLoop)
                {
                    int slot = (c * _window) + RelayWire.Slot(p);
                    if ((uint)slot >= (uint)_gen.Length || RelayWire.Gen(p) != _gen[slot] || _unsent[slot])
                    {
                        _late++;
                        continue;
                    }
                    _pending[_pendingCount++] = slot;
                }
                _trialReturned++;
                if (_measuring)
                {
                    _clientRx++;
                    _hist.Record((now - RelayWire.Timestamp(p)) * 1_000_000 / Stopwatch.Frequency);
                }
            }
            if (_closedLoop) Flush(c);
            if (r < _batch) return;
        }
    }

    private void ScanTimeouts(long now, long timeoutTicks)
    {
        for (int c = 0; c < _n; c++)
        {
            _pendingCount = 0;
            int first = c * _window;
            for (int slot = first; slot < first + _window; slot++)
            {
                if (now - _sentAt[slot] <= timeoutTicks) continue;
                if (!_unsent[slot] && _measuring) _lost++;
                _pending[_pendingCount++] = slot;
            }
            Flush(c);
        }
    }

    /// <summary>Window mode: a fresh packet for every slot in <see cref="_pending"/> of client <paramref name="c"/>.</summary>
    private void Flush(int c)
    {
        int count = _pendingCount;
        if (count == 0) return;
        long now = Stopwatch.GetTimestamp();
        int off = 0;
        while (off < count)
        {
            int k = Math.Min(count - off, MaxSegments);
            for (int j = 0; j < k; j++)
            {
                int slot = _pending[off + j];
                uint gen = ++_gen[slot];
                RelayWire.WritePayloadHead(new Span<byte>(_sbuf + (j * _pktLen) + RelayWire.ChannelHeader, RelayWire.MinPayload),
                    _nonce, c, slot - (c * _window), _trial, gen, now);
                _sentAt[slot] = now;
                _unsent[slot] = false;
            }
            int sent = SendBuffered(c, k);
            if (sent < k)
            {
                for (int j = sent; j < k; j++) _unsent[_pending[off + j]] = true; // retried by the timeout scan
                break;
            }
            off += k;
        }
        _pendingCount = 0;
    }

    /// <summary>Paced mode: <paramref name="k"/> new packets from client <paramref name="c"/>.</summary>
    private void SendFresh(int c, int k, long now)
    {
        for (int j = 0; j < k; j++)
        {
            RelayWire.WritePayloadHead(new Span<byte>(_sbuf + (j * _pktLen) + RelayWire.ChannelHeader, RelayWire.MinPayload),
                _nonce, c, 0, _trial, 0, now);
        }
        SendBuffered(c, k);
    }

    /// <summary>Sends the first <paramref name="k"/> (≤ 64) packets of the send buffer on client <paramref name="c"/>: one GSO sendmsg, or sendmmsg.</summary>
    private int SendBuffered(int c, int k)
    {
        int sent = 0;
        if (_gso && k > 1)
        {
            _gsoIov->Base = _sbuf;
            _gsoIov->Length = (nuint)(k * _pktLen);
            _gsoMsg->Iov = _gsoIov;
            _gsoMsg->IovLength = 1;
            _gsoMsg->Control = _gsoCmsg;
            _gsoMsg->ControlLength = (nuint)Native.GsoCmsgSpace;
            while (true)
            {
                nint r = Native.SendMsg(_cfd[c], _gsoMsg, Native.MSG_DONTWAIT);
                if (r >= 0)
                {
                    sent = k;
                    break;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Native.EINTR) continue;
                if (errno is Native.EIO or Native.EINVAL or Native.ENOPROTOOPT or Native.EOPNOTSUPP) _gso = false;
                break;
            }
        }
        while (sent < k)
        {
            int r = Native.SendMMsg(_cfd[c], _smsgs + sent, (uint)(k - sent), Native.MSG_DONTWAIT);
            if (r > 0)
            {
                sent += r;
                continue;
            }
            if (r < 0 && Marshal.GetLastPInvokeError() == Native.EINTR) continue;
            break;
        }
        _trialSent += sent;
        if (_measuring)
        {
            _sent += sent;
            _sendFailures += k - sent;
        }
        return sent;
    }

    public void Dispose()
    {
        if (_epfd >= 0) Native.Close(_epfd);
        NativeMemory.Free(_rbuf);
        NativeMemory.Free(_names);
        NativeMemory.Free(_riov);
        NativeMemory.Free(_rmsgs);
        NativeMemory.Free(_sbuf);
        NativeMemory.Free(_siov);
        NativeMemory.Free(_smsgs);
        NativeMemory.Free(_gsoMsg);
        NativeMemory.Free(_gsoIov);
        NativeMemory.Free(_gsoCmsg);
        NativeMemory.Free(_events);
    }
}
