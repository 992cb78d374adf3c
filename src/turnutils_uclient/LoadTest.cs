using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Turn.Client.Turn;
using Turn.Protocol;
using Turn.Utils.Uclient.Native;

namespace Turn.Utils.Uclient;

/// <summary>
/// The load mode (--load-seconds): N clients, each with one allocation and a channel (or permission, -s) to the echo
/// peer, send numbered, time-stamped packets for S seconds — at an aggregate --rate, or as fast as a per-client
/// --window of packets in flight allows — and count the echoes relayed back. One thread: epoll over the client
/// sockets, sendmmsg/recvmmsg batches, preallocated native buffers; nothing allocates in the loop.
/// </summary>
internal sealed unsafe class LoadTest
{
    private const int Batch = 64;
    private const int PrefixRoom = 64;        // ChannelData header or Send-indication head, then the 16-byte stamp
    private const int StampLength = 16;       // u32 sequence, u32 client, i64 send time (Stopwatch ticks)
    private const int MaxEvents = 256;
    private const int RecvRoundsPerSocket = 4;
    private const double LossTimeoutSeconds = 0.25;
    private const ulong PeerToken = ulong.MaxValue;
    private const int MinBurst = 16;
    private const int PeerNameSize = 128;

    private readonly UclientOptions _o;
    private readonly Setup _setup;
    private readonly LatencyHistogram _histogram = new();
    private readonly List<TurnClient> _turn = [];
    private readonly List<Socket> _direct = [];
    private Client[] _clients = [];

    private byte* _tail;          // the constant part of every payload (after the stamp), shared by all sends
    private byte* _pad;           // zero bytes padding a Send indication's DATA to 4
    private byte* _sendSlots;     // Batch × PrefixRoom
    private byte* _recvSlots;     // Batch × _recvSlotSize
    private Libc.IoVec* _sendIov; // Batch × 3
    private Libc.IoVec* _recvIov; // Batch
    private Libc.MMsgHdr* _sendHdr;
    private Libc.MMsgHdr* _recvHdr;
    private Libc.MMsgHdr* _gsoHdr;
    private byte* _gsoControl;    // one cmsghdr: UDP_SEGMENT = packet length
    private int _gsoSegments;     // 0: GSO off
    private int _packetLength;

    // --load-peer: the echo peer in this thread (no second process, no context switch per batch).
    private Socket? _peerSocket;
    private int _peerFd = -1;
    private byte* _peerSlots;
    private byte* _peerNames;
    private Libc.IoVec* _peerIov;
    private Libc.MMsgHdr* _peerHdr;
    private long _peerEchoed;
    private long _peerDropped;
    private int _recvSlotSize;
    private int _tailLength;
    private int _padLength;

    private long _measureStart;
    private long _sendEnd;
    private long _sent;
    private long _sentMeasured;
    private long _receivedMeasured;
    private long _receivedTotal;
    private long _sendDropped;
    private long _unknown;
    private long _inflightTotal;

    public LoadTest(UclientOptions options, Setup setup)
    {
        _o = options;
        _setup = setup;
    }

    private struct Client
    {
        public int Fd;
        public uint Sequence;
        public long Inflight;
        public long LastReceive;
        public int PrefixLength;
        public fixed byte Prefix[PrefixRoom - StampLength];
    }

    public int Run()
    {
        int n = Math.Max(1, _o.Clients);
        string mode = (_o.LoadDirect ? "direct to the peer (no TURN)" : _o.SendIndications ? "Send/Data indications" : "ChannelData")
            + (_o.LoadPeer ? ", in-process peer" : "");
        Say(string.Create(CultureInfo.InvariantCulture,
            $"load: {n} clients, {_o.MessageLength}-byte messages, {mode}, {(_o.Rate > 0 ? $"{_o.Rate:0} packets/s" : "max rate")}{(_o.Window > 0 ? $" (window {_o.Window}/client)" : "")}, {_o.Warmup:0.##} s warm-up + {_o.LoadSeconds:0.##} s"));
        var setupClock = Stopwatch.StartNew();
        if (_o.LoadPeer)
        {
            OpenPeer();
        }

        _clients = new Client[n];
        for (int i = 0; i < n; i++)
        {
            SetUpClient(i);
        }

        Say(string.Create(CultureInfo.InvariantCulture, $"load: {n} {(_o.LoadDirect ? "sockets" : "allocations")} ready in {setupClock.Elapsed.TotalSeconds:0.00} s"));
        AllocateBuffers();
        try
        {
            Loop();
        }
        finally
        {
            TearDown();
            FreeBuffers();
        }

        return 0;
    }

    // ------------------------------------------------------------------------------------------ set-up

    private void SetUpClient(int i)
    {
        ref Client c = ref _clients[i];
        Span<byte> prefix = MemoryMarshal.CreateSpan(ref c.Prefix[0], PrefixRoom - StampLength);
        ushort channel = (ushort)(ChannelData.MinChannelNumber + (i % 0x1000));
        Socket socket;
        if (_o.LoadDirect)
        {
            socket = new Socket(_setup.PeerEndPoint!.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            SocketTuning.SetBuffers(socket, 4 << 20);
            if (_setup.Local is not null)
            {
                socket.Bind(_setup.Local);
            }

            socket.Connect(_setup.PeerEndPoint);
            _direct.Add(socket);
        }
        else
        {
            Session s = _setup.Allocate(i, AllocationRole.Single);
            _turn.Add(s.Client);
            socket = s.Client.Socket;
            SocketTuning.SetBuffers(socket, 4 << 20);
            if (_o.SendIndications)
            {
                _setup.CreatePermission(s, [_setup.Peer]);
            }
            else
            {
                _setup.ChannelBind(s, channel, _setup.Peer);
            }
        }

        c.Fd = (int)socket.Handle;
        if (_o.SendIndications && !_o.LoadDirect)
        {
            // A Send indication without FINGERPRINT whose DATA value is [stamp][tail][padding]: write it once with a
            // zero payload to learn the head, which becomes this client's prefix.
            byte[] probe = new byte[_o.MessageLength + 128];
            int length = TurnMessages.WriteSendIndication(probe, new byte[Stun.TransactionIdLength], _setup.Peer,
                new byte[_o.MessageLength], dontFragment: false, fingerprint: false);
            int head = length - Stun.Pad4(_o.MessageLength);
            probe.AsSpan(0, head).CopyTo(prefix);
            TurnMessages.NewTransactionId(prefix.Slice(8, Stun.TransactionIdLength));
            c.PrefixLength = head;
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(prefix, channel);
            BinaryPrimitives.WriteUInt16BigEndian(prefix[2..], (ushort)_o.MessageLength);
            c.PrefixLength = ChannelData.HeaderLength;
        }
    }

    private void AllocateBuffers()
    {
        _tailLength = _o.MessageLength - StampLength;
        _padLength = _o.SendIndications && !_o.LoadDirect ? Stun.Pad4(_o.MessageLength) - _o.MessageLength : 0;
        _recvSlotSize = _o.MessageLength + 256;
        _tail = (byte*)NativeMemory.Alloc((nuint)Math.Max(_tailLength, 1));
        new Span<byte>(_tail, _tailLength).Fill(7);
        _pad = (byte*)NativeMemory.AllocZeroed(4);
        _sendSlots = (byte*)NativeMemory.AllocZeroed((nuint)(Batch * PrefixRoom));
        _recvSlots = (byte*)NativeMemory.Alloc((nuint)(Batch * _recvSlotSize));
        _sendIov = (Libc.IoVec*)NativeMemory.AllocZeroed((nuint)(Batch * 3 * sizeof(Libc.IoVec)));
        _recvIov = (Libc.IoVec*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Libc.IoVec)));
        _sendHdr = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Libc.MMsgHdr)));
        _recvHdr = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Libc.MMsgHdr)));
        // UDP GSO (Linux 4.18+): one sendmsg carries a run of equal-sized datagrams that the kernel cuts at
        // UDP_SEGMENT bytes, so a batch costs one trip down the stack instead of one per datagram. The relay
        // still receives ordinary datagrams. Off when a message is too big to batch (or the kernel refuses).
        _packetLength = _clients[0].PrefixLength + _o.MessageLength + _padLength;
        _gsoSegments = Math.Min(Batch, 65_000 / _packetLength);
        if (_gsoSegments < 2 || _o.NoGso)
        {
            _gsoSegments = 0;
        }

        _gsoHdr = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)sizeof(Libc.MMsgHdr));
        _gsoControl = (byte*)NativeMemory.AllocZeroed(24);
        *(nuint*)_gsoControl = 18;                                  // cmsg_len = CMSG_LEN(sizeof(uint16_t))
        *(int*)(_gsoControl + 8) = Libc.SOL_UDP;                    // cmsg_level
        *(int*)(_gsoControl + 12) = Libc.UDP_SEGMENT;               // cmsg_type
        *(ushort*)(_gsoControl + 16) = (ushort)_packetLength;       // the segment size
        _gsoHdr->Iov = _sendIov;
        _gsoHdr->Control = _gsoControl;
        _gsoHdr->ControlLength = 24;                                // CMSG_SPACE(sizeof(uint16_t))
        for (int i = 0; i < Batch; i++)
        {
            Libc.IoVec* v = _sendIov + (i * 3);
            v[1].Base = _tail;
            v[1].Length = (nuint)_tailLength;
            v[2].Base = _pad;
            v[2].Length = (nuint)_padLength;
            _sendHdr[i].Iov = v;
            _sendHdr[i].IovLength = _padLength > 0 ? 3u : 2u;
            _recvIov[i].Base = _recvSlots + ((long)i * _recvSlotSize);
            _recvIov[i].Length = (nuint)_recvSlotSize;
            _recvHdr[i].Iov = _recvIov + i;
            _recvHdr[i].IovLength = 1;
        }
    }

    private void FreeBuffers()
    {
        NativeMemory.Free(_tail);
        NativeMemory.Free(_pad);
        NativeMemory.Free(_sendSlots);
        NativeMemory.Free(_recvSlots);
        NativeMemory.Free(_sendIov);
        NativeMemory.Free(_recvIov);
        NativeMemory.Free(_sendHdr);
        NativeMemory.Free(_recvHdr);
        NativeMemory.Free(_gsoHdr);
        NativeMemory.Free(_gsoControl);
        if (_peerFd >= 0)
        {
            NativeMemory.Free(_peerSlots);
            NativeMemory.Free(_peerNames);
            NativeMemory.Free(_peerIov);
            NativeMemory.Free(_peerHdr);
        }

        _peerSocket?.Dispose();
    }

    private void TearDown()
    {
        // Delete the allocations without waiting for the answers (echoes may still be arriving).
        byte[] buffer = new byte[1024];
        byte[] id = new byte[Stun.TransactionIdLength];
        foreach (TurnClient client in _turn)
        {
            try
            {
                TurnMessages.NewTransactionId(id);
                int length = TurnMessages.WriteRefresh(buffer, id, 0, null, client.Authenticator, client.Origins);
                client.Socket.Send(buffer.AsSpan(0, length), SocketFlags.None, out _);
            }
            finally
            {
                client.Dispose();
            }
        }

        foreach (Socket s in _direct)
        {
            s.Dispose();
        }
    }

    // ------------------------------------------------------------------------------------------ the loop

    private void Loop()
    {
        int epoll = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        if (epoll < 0)
        {
            throw new UclientExitException(255, "epoll_create1 failed");
        }

        for (int i = 0; i < _clients.Length; i++)
        {
            var ev = new Libc.EpollEvent { Events = Libc.EPOLLIN };
            Libc.SetEpollData(&ev, (ulong)i);
            Libc.epoll_ctl(epoll, Libc.EPOLL_CTL_ADD, _clients[i].Fd, &ev);
        }

        if (_peerFd >= 0)
        {
            var ev = new Libc.EpollEvent { Events = Libc.EPOLLIN };
            Libc.SetEpollData(&ev, PeerToken);
            Libc.epoll_ctl(epoll, Libc.EPOLL_CTL_ADD, _peerFd, &ev);
        }

        long f = Stopwatch.Frequency;
        long start = Stopwatch.GetTimestamp();
        _measureStart = start + (long)(_o.Warmup * f);
        _sendEnd = _measureStart + (long)(_o.LoadSeconds!.Value * f);
        long drainEnd = _sendEnd + f;
        long nextReport = start + f;
        long nextLossCheck = start + (f / 100);
        double rate = _o.Rate;
        int window = _o.Window > 0 ? _o.Window : int.MaxValue;
        if (rate <= 0 && _o.Window <= 0)
        {
            window = 64;
        }

        long reportSent = 0, reportReceived = 0;
        long lastRateSend = start;
        int refill = (int)Math.Clamp(window / 4, 1, MinBurst);
        TimeSpan cpuAtStart = TimeSpan.Zero, cpuUserAtStart = TimeSpan.Zero;
        TimeSpan cpuAtEnd = TimeSpan.Zero, cpuUserAtEnd = TimeSpan.Zero;
        bool measuring = false, measured = false;
        var process = Process.GetCurrentProcess();
        byte* events = stackalloc byte[MaxEvents * 16];
        int next = 0;
        long rateSent = 0;

        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            if (!measuring && now >= _measureStart)
            {
                measuring = true;
                process.Refresh();
                cpuAtStart = process.TotalProcessorTime;
                cpuUserAtStart = process.UserProcessorTime;
            }

            bool sending = now < _sendEnd;
            if (!sending && !measured)
            {
                measured = true;
                process.Refresh();
                cpuAtEnd = process.TotalProcessorTime;
                cpuUserAtEnd = process.UserProcessorTime;
            }

            bool sentSomething = false;
            if (sending)
            {
                if (rate > 0)
                {
                    // Paced, but in bursts of at least MinBurst packets per client (one system call each) — or
                    // whatever is due once a millisecond has passed — rather than one datagram per call.
                    long due = (long)((now - start) * rate / f) - rateSent;
                    if (due >= MinBurst || (due > 0 && now - lastRateSend >= f / 1000))
                    {
                        lastRateSend = now;
                        long budget = Math.Min(due, (long)Batch * _clients.Length);
                        int share = (int)Math.Clamp(budget / _clients.Length, Math.Min(MinBurst, budget), Batch);
                        for (int k = 0; k < _clients.Length && budget > 0; k++)
                        {
                            int i = next;
                            next = next + 1 == _clients.Length ? 0 : next + 1;
                            long room = window == int.MaxValue ? share : Math.Min(share, window - _clients[i].Inflight);
                            int count = (int)Math.Min(room, budget);
                            if (count > 0)
                            {
                                SendBatch(i, count, now);
                                rateSent += count;   // dropped sends spend the rate budget too
                                budget -= count;
                                sentSomething = true;
                            }
                        }
                    }
                }
                else
                {
                    // Refill a client's window in bursts (a quarter of it, at most MinBurst), not echo by echo.
                    for (int i = 0; i < _clients.Length; i++)
                    {
                        long room = window - _clients[i].Inflight;
                        if (room >= refill)
                        {
                            SendBatch(i, (int)Math.Min(room, Batch), now);
                            sentSomething = true;
                        }
                    }
                }
            }
            else if (_inflightTotal <= 0 || now >= drainEnd)
            {
                break;
            }

            int timeout = _o.Spin || sentSomething ? 0 : 1;
            int ready = Libc.epoll_wait(epoll, events, MaxEvents, timeout);
            for (int r = 0; r < ready; r++)
            {
                ulong token = Libc.ReadEpollData(events, r);
                if (token == PeerToken)
                {
                    Echo();
                }
                else
                {
                    ReceiveFrom((int)token);
                }
            }

            if (now >= nextLossCheck)
            {
                nextLossCheck = now + (f / 100);
                long limit = now - (long)(LossTimeoutSeconds * f);
                for (int i = 0; i < _clients.Length; i++)
                {
                    ref Client c = ref _clients[i];
                    if (c.Inflight > 0 && c.LastReceive < limit)
                    {
                        // Nothing for a while: what is in flight is lost; free the window.
                        _inflightTotal -= c.Inflight;
                        c.Inflight = 0;
                        c.LastReceive = now;
                    }
                }
            }

            if (now >= nextReport && sending)
            {
                double seconds = (now - start) / (double)f;
                long s = _sent - reportSent, rc = _receivedTotal - reportReceived;
                reportSent = _sent;
                reportReceived = _receivedTotal;
                Say(string.Create(CultureInfo.InvariantCulture,
                    $"load: {seconds:0} s{(now < _measureStart ? " (warm-up)" : "")}: {s} sent/s, {rc} received/s, round trip p50 {_histogram.PercentileNs(0.5) / 1000:0.0} us so far"));
                nextReport += f;
            }
        }

        Libc.close(epoll);
        if (!measured)
        {
            process.Refresh();
            cpuAtEnd = process.TotalProcessorTime;
            cpuUserAtEnd = process.UserProcessorTime;
        }

        Report(cpuAtEnd - cpuAtStart, cpuUserAtEnd - cpuUserAtStart);
    }

    /// <summary>Sends <paramref name="count"/> (≤ Batch) packets of client <paramref name="i"/> in one sendmmsg; returns how many went.</summary>
    private int SendBatch(int i, int count, long now)
    {
        ref Client c = ref _clients[i];
        int prefix = c.PrefixLength;
        for (int k = 0; k < count; k++)
        {
            byte* slot = _sendSlots + (k * PrefixRoom);
            fixed (byte* p = c.Prefix)
            {
                Buffer.MemoryCopy(p, slot, PrefixRoom, prefix);
            }

            *(uint*)(slot + prefix) = c.Sequence++;
            *(uint*)(slot + prefix + 4) = (uint)i;
            *(long*)(slot + prefix + 8) = now;
            Libc.IoVec* v = _sendHdr[k].Iov;
            v[0].Base = slot;
            v[0].Length = (nuint)(prefix + StampLength);
        }

        int sent = 0;
        if (_gsoSegments > 0 && count > 1)
        {
            sent = SendSegmented(c.Fd, count);
        }

        while (sent < count)
        {
            int r = Libc.sendmmsg(c.Fd, _sendHdr + sent, (uint)(count - sent), Libc.MSG_DONTWAIT);
            if (r <= 0)
            {
                if (r < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR)
                {
                    continue;
                }

                break;
            }

            sent += r;
        }

        _sendDropped += count - sent;
        _sent += sent;
        if (now >= _measureStart)
        {
            _sentMeasured += sent;
        }

        c.Inflight += sent;
        _inflightTotal += sent;
        if (c.Inflight == sent)
        {
            c.LastReceive = now;   // the loss clock starts with the first packet in flight
        }

        return sent;
    }

    /// <summary>
    /// Sends the <paramref name="count"/> prepared packets as GSO runs (each run: every packet's three iovecs in a row,
    /// one sendmsg). Returns how many went; what the kernel refused is left to sendmmsg (and GSO is switched off if
    /// the kernel does not support it).
    /// </summary>
    private int SendSegmented(int fd, int count)
    {
        int sent = 0;
        while (sent < count)
        {
            int run = Math.Min(count - sent, _gsoSegments);
            _gsoHdr->Iov = _sendIov + (sent * 3);
            _gsoHdr->IovLength = (nuint)(run * 3);
            nint r = Libc.sendmsg(fd, _gsoHdr, Libc.MSG_DONTWAIT);
            if (r < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EINTR)
                {
                    continue;
                }

                if (errno != Libc.EAGAIN && errno != Libc.ENOBUFS)
                {
                    _gsoSegments = 0;   // EINVAL/EIO/ENOPROTOOPT...: no UDP GSO here
                }

                break;
            }

            sent += run;
        }

        return sent;
    }

    /// <summary>--load-peer: binds the peer address (-e, -r) in this process, for <see cref="Echo"/>.</summary>
    private void OpenPeer()
    {
        var socket = new Socket(_setup.PeerEndPoint!.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            SocketTuning.SetBuffers(socket, 8 << 20);
            socket.Bind(_setup.PeerEndPoint);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new UclientExitException(255, $"--load-peer: cannot bind {_setup.PeerEndPoint}: {e.Message}");
        }

        _peerSocket = socket;
        _peerFd = (int)socket.Handle;
        int slot = _o.MessageLength + 256;
        _peerSlots = (byte*)NativeMemory.Alloc((nuint)(Batch * slot));
        _peerNames = (byte*)NativeMemory.AllocZeroed((nuint)(Batch * PeerNameSize));
        _peerIov = (Libc.IoVec*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Libc.IoVec)));
        _peerHdr = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(Libc.MMsgHdr)));
        for (int i = 0; i < Batch; i++)
        {
            _peerIov[i].Base = _peerSlots + ((long)i * slot);
            _peerHdr[i].Iov = _peerIov + i;
            _peerHdr[i].IovLength = 1;
            _peerHdr[i].Name = _peerNames + (i * PeerNameSize);
        }
    }

    /// <summary>--load-peer: echoes what the relay sent to the peer address back to it (recvmmsg, then sendmmsg).</summary>
    private void Echo()
    {
        int slot = _o.MessageLength + 256;
        for (int round = 0; round < RecvRoundsPerSocket; round++)
        {
            for (int k = 0; k < Batch; k++)
            {
                _peerIov[k].Length = (nuint)slot;
                _peerHdr[k].NameLength = PeerNameSize;
                _peerHdr[k].Flags = 0;
            }

            int n = Libc.recvmmsg(_peerFd, _peerHdr, Batch, Libc.MSG_DONTWAIT, null);
            if (n <= 0)
            {
                return;
            }

            for (int k = 0; k < n; k++)
            {
                _peerIov[k].Length = _peerHdr[k].Length;
            }

            int sent = 0;
            while (sent < n)
            {
                int r = Libc.sendmmsg(_peerFd, _peerHdr + sent, (uint)(n - sent), Libc.MSG_DONTWAIT);
                if (r <= 0)
                {
                    if (r < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR)
                    {
                        continue;
                    }

                    // A full queue (or an unreachable relay port): that datagram is dropped, as a network would.
                    _peerDropped++;
                    sent++;
                    continue;
                }

                sent += r;
            }

            _peerEchoed += n;
            if (n < Batch)
            {
                return;
            }
        }
    }

    private void ReceiveFrom(int i)
    {
        ref Client c = ref _clients[i];
        for (int round = 0; round < RecvRoundsPerSocket; round++)
        {
            for (int k = 0; k < Batch; k++)
            {
                _recvHdr[k].Flags = 0;
            }

            int n = Libc.recvmmsg(c.Fd, _recvHdr, Batch, Libc.MSG_DONTWAIT, null);
            if (n <= 0)
            {
                return;
            }

            long now = Stopwatch.GetTimestamp();
            for (int k = 0; k < n; k++)
            {
                OnPacket(new ReadOnlySpan<byte>(_recvSlots + ((long)k * _recvSlotSize), (int)_recvHdr[k].Length), now);
            }

            c.LastReceive = now;
            if (n < Batch)
            {
                return;
            }
        }
    }

    private void OnPacket(ReadOnlySpan<byte> packet, long now)
    {
        ReadOnlySpan<byte> data;
        if (packet.Length >= ChannelData.HeaderLength + StampLength && (packet[0] & 0xC0) == 0x40)
        {
            data = packet[ChannelData.HeaderLength..];
        }
        else if (TurnMessages.TryReadData(packet, out _, out _, out data) != TurnDataKind.DataIndication || data.Length < StampLength)
        {
            _unknown++;   // answers to control requests, or garbage
            return;
        }

        uint client = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        long sentAt = BinaryPrimitives.ReadInt64LittleEndian(data[8..]);
        if (client >= (uint)_clients.Length)
        {
            _unknown++;
            return;
        }

        ref Client c = ref _clients[client];
        if (c.Inflight > 0)
        {
            c.Inflight--;
            _inflightTotal--;
        }

        _receivedTotal++;
        if (sentAt >= _measureStart && sentAt < _sendEnd)
        {
            _receivedMeasured++;
            _histogram.Record((now - sentAt) * 1_000_000_000 / Stopwatch.Frequency);
        }
    }

    private void Report(TimeSpan cpu, TimeSpan cpuUser)
    {
        double seconds = _o.LoadSeconds!.Value;
        double pps = _receivedMeasured / seconds;
        long lost = Math.Max(0, _sentMeasured - _receivedMeasured);
        double lossPct = _sentMeasured == 0 ? 0 : 100.0 * lost / _sentMeasured;
        double cpuPct = 100.0 * cpu.TotalSeconds / seconds;
        double userPct = 100.0 * cpuUser.TotalSeconds / seconds;
        double Us(double q) => _histogram.PercentileNs(q) / 1000;
        double min = _histogram.Count == 0 ? 0 : _histogram.MinNs / 1000.0;
        double avg = _histogram.Count == 0 ? 0 : _histogram.SumNs / _histogram.Count / 1000;
        Say(string.Create(CultureInfo.InvariantCulture,
            $"load: sent {_sentMeasured}, received {_receivedMeasured}: {pps:0} packets/s relayed; lost {lost} ({lossPct:0.000}%), send dropped {_sendDropped}{(_unknown > 0 ? $", {_unknown} other datagrams ignored" : "")}"));
        Say(string.Create(CultureInfo.InvariantCulture,
            $"load: round trip (us): min {min:0.0}, p50 {Us(0.5):0.0}, p90 {Us(0.9):0.0}, p99 {Us(0.99):0.0}, max {_histogram.MaxNs / 1000.0:0.0}, avg {avg:0.0}"));
        Say(string.Create(CultureInfo.InvariantCulture,
            $"load: generator CPU {cpuPct:0}% of one core (user {userPct:0}%, system {cpuPct - userPct:0}%), {(_receivedMeasured == 0 ? 0 : cpu.TotalSeconds * 1e6 / _receivedMeasured):0.00} us per relayed packet{(cpuPct >= 90 ? ": the generator may be the bottleneck" : "")}"));
        if (_peerFd >= 0)
        {
            Say(string.Create(CultureInfo.InvariantCulture, $"load: in-process peer echoed {_peerEchoed}, dropped {_peerDropped}"));
        }

        Say(string.Create(CultureInfo.InvariantCulture,
            $"RESULT pps={pps:0} loss_pct={lossPct:0.000} p50_us={Us(0.5):0.0} p90_us={Us(0.9):0.0} p99_us={Us(0.99):0.0} sent={_sentMeasured} received={_receivedMeasured} send_dropped={_sendDropped} gen_cpu_pct={cpuPct:0} clients={_clients.Length} seconds={seconds:0.###}"));
    }

    private static void Say(string line)
    {
        Console.Out.WriteLine(line);
        Console.Out.Flush();
    }
}
