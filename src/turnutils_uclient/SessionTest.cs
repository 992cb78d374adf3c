using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Turn.Client.Turn;
using Turn.Protocol;
using Turn.Utils.Uclient.Native;

namespace Turn.Utils.Uclient;

/// <summary>
/// coturn's session test (start_mclient): sets up the sessions (RTP/RTCP pairs unless -c, client-to-client groups
/// with -y), then each session sends -n messages of -l bytes every -z ms to its peer through its channel (or Send
/// indications with -s) and counts what comes back: loss, round-trip delay, jitter. Refreshes every 30 s, deletes
/// its allocation when done. Prints coturn's progress and summary lines.
/// </summary>
internal sealed unsafe class SessionTest
{
    private const int StoppingSeconds = 10;       // coturn's STOPPING_TIME
    private const int RefreshSeconds = 30;
    private const uint RefreshLifetime = 600;
    private const int MaxWritesPerTick = 50;
    private const int MaxEvents = 256;

    private readonly UclientOptions _o;
    private readonly Setup _setup;
    private readonly List<Session> _sessions = [];
    private readonly byte[] _payload;
    private readonly byte[] _packet = new byte[70_000];
    private readonly byte[] _receive = new byte[70_000];
    private readonly byte[] _txid = new byte[Stun.TransactionIdLength];
    private readonly long _intervalTicks;

    private long _dataStart;
    private long _totalMessages;
    private long _sentMessages;
    private long _receivedMessages;
    private long _sentBytes;
    private long _receivedBytes;
    private long _sendDropped;
    private readonly LatencyHistogram _histogram = new();
    private double _latencySumUs;
    private double _jitterSumUs;
    private double _minLatencyUs = double.MaxValue;
    private double _maxLatencyUs;
    private double _minJitterUs = double.MaxValue;
    private double _maxJitterUs;
    private int _live;
    private bool _disconnected;

    public SessionTest(UclientOptions options, Setup setup)
    {
        _o = options;
        _setup = setup;
        _payload = new byte[options.MessageLength];
        _payload.AsSpan().Fill(7);
        _intervalTicks = options.IntervalMs * Stopwatch.Frequency / 1000;
    }

    public int Run()
    {
        long connectStart = CoturnLog.Seconds;
        SetUp();
        if (_o.Dos)
        {
            // coturn's -O: connect and leave without a word (allocations are left to expire).
            return 0;
        }

        CoturnLog.Info($"Total connect time is {CoturnLog.Seconds - connectStart}");
        return DataPhase();
    }

    // ---------------------------------------------------------------- set-up (start_client / start_c2c)

    private void SetUp()
    {
        int m = Math.Max(1, _o.Clients);
        if (_o.ClientToClient)
        {
            if (!_o.NoRtcp)
            {
                m += (4 - (m & 3)) & 3;
                for (int i = 0; i < m / 4; i++)
                {
                    StartClientToClient(rtcp: true);
                }
            }
            else
            {
                m += m & 1;
                for (int i = 0; i < m / 2; i++)
                {
                    StartClientToClient(rtcp: false);
                }
            }
        }
        else if (!_o.NoRtcp)
        {
            m += m & 1;
            for (int i = 0; i < m / 2; i++)
            {
                StartClient(rtcp: true);
            }
        }
        else
        {
            for (int i = 0; i < m; i++)
            {
                StartClient(rtcp: false);
            }
        }
    }

    private Session NewSession(AllocationRole role)
    {
        Session s = _setup.Allocate(_sessions.Count, role);
        _sessions.Add(s);
        return s;
    }

    private void StartClient(bool rtcp)
    {
        Session rtp = NewSession(rtcp ? AllocationRole.RtpOfPair : AllocationRole.Single);
        Session? rtcpSession = rtcp ? NewSession(AllocationRole.RtcpOfPair) : null;
        StunAddress peer = _setup.Peer;
        StunAddress peerRtcp = _setup.PeerRtcp;
        if (!_o.Dos)
        {
            if (!_o.SendIndications)
            {
                // As coturn (to exercise the server): bind a channel to peer+1 twice, then another to the peer twice.
                ushort first = _setup.ChannelBind(rtp, 0, peerRtcp);
                _setup.ChannelBind(rtp, first, peerRtcp);
                ushort channel = _setup.ChannelBind(rtp, 0, peer);
                rtp.Channel = _setup.ChannelBind(rtp, channel, peer);
                if (_o.ExtraRequests)
                {
                    _setup.ExtraChannelBinds(rtp);
                }

                if (rtcpSession is not null)
                {
                    rtcpSession.Channel = _setup.ChannelBind(rtcpSession, 0, peerRtcp);
                }

                if (_o.ExtraRequests)
                {
                    _setup.ExtraPermissions(rtp);
                }
            }
            else
            {
                bool before = Random.Shared.Next(2) == 0;
                if (before)
                {
                    _setup.CreatePermission(rtp, [peer]);
                    _setup.CreatePermission(rtp, [peerRtcp]);
                }

                if (_o.ExtraRequests)
                {
                    _setup.ExtraPermissions(rtp);
                }

                if (!before)
                {
                    _setup.CreatePermission(rtp, [peer]);
                    _setup.CreatePermission(rtp, [peerRtcp]);
                }

                if (rtcpSession is not null)
                {
                    _setup.CreatePermission(rtcpSession, [peerRtcp]);
                    _setup.CreatePermission(rtcpSession, [peer]);
                }
            }
        }

        rtp.Peer = peer;
        if (rtcpSession is not null)
        {
            rtcpSession.Peer = peerRtcp;
        }
    }

    private void StartClientToClient(bool rtcp)
    {
        Session s1 = NewSession(rtcp ? AllocationRole.RtpOfPair : AllocationRole.Single);
        Session? s1r = rtcp ? NewSession(AllocationRole.RtcpOfPair) : null;
        Session s2 = NewSession(rtcp ? AllocationRole.RtpOfPair : AllocationRole.Single);
        Session? s2r = rtcp ? NewSession(AllocationRole.RtcpOfPair) : null;
        if (!_o.Dos)
        {
            if (!_o.SendIndications)
            {
                s1.Channel = _setup.ChannelBind(s1, 0, s2.Relayed);
                if (_o.ExtraRequests)
                {
                    _setup.ExtraChannelBinds(s1);
                    _setup.ExtraPermissions(s1);
                }

                if (s1r is not null)
                {
                    s1r.Channel = _setup.ChannelBind(s1r, 0, s2r!.Relayed);
                }

                s2.Channel = _setup.ChannelBind(s2, 0, s1.Relayed);
                if (s2r is not null)
                {
                    s2r.Channel = _setup.ChannelBind(s2r, 0, s1r!.Relayed);
                }
            }
            else
            {
                _setup.CreatePermission(s1, [s2.Relayed]);
                if (_o.ExtraRequests)
                {
                    _setup.ExtraPermissions(s1, oneByOne: true);
                }

                if (s1r is not null)
                {
                    _setup.CreatePermission(s1r, [s2r!.Relayed]);
                }

                _setup.CreatePermission(s2, [s1.Relayed]);
                if (s2r is not null)
                {
                    _setup.CreatePermission(s2r, [s1r!.Relayed]);
                }
            }
        }

        s1.Peer = s2.Relayed;
        s2.Peer = s1.Relayed;
        if (s1r is not null)
        {
            s1r.Peer = s2r!.Relayed;
            s2r.Peer = s1r.Relayed;
        }
    }

    // ---------------------------------------------------------------- data phase (timer_handler / client_read)

    private int DataPhase()
    {
        int epoll = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        if (epoll < 0)
        {
            throw new UclientExitException(255, "epoll_create1 failed");
        }

        long now = Stopwatch.GetTimestamp();
        long start = now;
        _dataStart = now;
        long startSeconds = CoturnLog.Seconds;
        foreach (Session s in _sessions)
        {
            s.TotalMessages = Math.Max(_o.MessageCount, s.IsRtcp ? 1 : 0);
            // coturn starts each session 1-6 s in; we spread the starts over 50-300 ms.
            s.NextSendTicks = now + Ticks(50 + Random.Shared.Next(250));
            s.RefreshTicks = now + Ticks(RefreshSeconds * 1000);
            s.Client.Socket.Blocking = true;
            if (_o.Tcp)
            {
                s.Stream = new byte[140_000];
            }

            var ev = new Libc.EpollEvent { Events = Libc.EPOLLIN };
            Libc.SetEpollData(&ev, (ulong)s.Id);
            Libc.epoll_ctl(epoll, Libc.EPOLL_CTL_ADD, (int)s.Client.Socket.Handle, &ev);
        }

        _live = _sessions.Count;
        _totalMessages = (long)_sessions[0].TotalMessages * _sessions.Count;
        byte* events = stackalloc byte[MaxEvents * 16];
        long lastSecond = CoturnLog.Seconds;
        try
        {
            while (_live > 0)
            {
                now = Stopwatch.GetTimestamp();
                foreach (Session s in _sessions)
                {
                    if (!s.Closed)
                    {
                        OnTimer(s, now);
                    }
                }

                if (_o.RandomDisconnect && !_disconnected && _sentMessages > 5)
                {
                    Disconnect();
                }

                int n = Libc.epoll_wait(epoll, events, MaxEvents, 1);
                for (int i = 0; i < n; i++)
                {
                    Session s = _sessions[(int)Libc.ReadEpollData(events, i)];
                    if (!s.Closed && !s.Broken)
                    {
                        Drain(s);
                    }
                }

                long second = CoturnLog.Seconds;
                if (second != lastSecond && _live > 0)
                {
                    lastSecond = second;
                    CoturnLog.Info(string.Create(CultureInfo.InvariantCulture,
                        $"start_mclient: msz={_live}, tot_send_msgs={_sentMessages}, tot_recv_msgs={_receivedMessages}, tot_send_bytes ~ {_sentBytes}, tot_recv_bytes ~ {_receivedBytes}"));
                }
            }
        }
        finally
        {
            Libc.close(epoll);
        }

        PrintSummary(CoturnLog.Seconds - startSeconds, start);
        return 0;
    }

    private void OnTimer(Session s, long now)
    {
        if (now >= s.RefreshTicks)
        {
            RefreshSession(s, StunMethod.Refresh, RefreshLifetime, all: true);
            s.RefreshTicks = now + Ticks(RefreshSeconds * 1000);
        }

        if (_o.HangOn && s.Completed)
        {
            return;
        }

        int writes = 0;
        while (now >= s.NextSendTicks)
        {
            if (writes++ >= MaxWritesPerTick)
            {
                break;
            }

            if (s.Sent >= s.TotalMessages)
            {
                if (now >= s.FinishTicks || _receivedMessages >= _totalMessages)
                {
                    Complete(s);
                }

                break;
            }

            Write(s, now);
            s.FinishTicks = now + Ticks(StoppingSeconds * 1000);
        }
    }

    private void Complete(Session s)
    {
        if (s.Completed)
        {
            return;
        }

        s.Completed = true;
        if (_o.HangOn)
        {
            return;
        }

        if (!s.Broken)
        {
            // Delete the allocation (Refresh, lifetime 0); the answer is not awaited.
            RefreshSession(s, StunMethod.Refresh, 0, all: false);
        }

        s.Closed = true;
        _live--;
        if (_o.Verbose)
        {
            CoturnLog.Info($"done, connection 0x{s.Id:x} closed (sent {s.Sent}, received {s.Received}).");
        }

        s.Client.Dispose();
    }

    private void Write(Session s, long now)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_payload, s.Sent);
        BinaryPrimitives.WriteInt32LittleEndian(_payload.AsSpan(4), s.Id);
        BinaryPrimitives.WriteInt64LittleEndian(_payload.AsSpan(8), now);
        int length;
        if (s.Channel != 0)
        {
            ChannelData.TryWrite(_packet, s.Channel, _payload, pad: _o.ChannelPadding || _o.Tcp, out length);
        }
        else
        {
            TurnMessages.NewTransactionId(_txid);
            length = TurnMessages.WriteSendIndication(_packet, _txid, s.Peer, _payload, _o.DontFragment);
        }

        s.Sent++;
        s.NextSendTicks += _intervalTicks;
        if (Send(s, _packet.AsSpan(0, length)))
        {
            _sentMessages++;
            _sentBytes += _payload.Length;
        }
    }

    /// <summary>Sends one datagram/frame; false (counted as "send dropped" for UDP) when it could not go.</summary>
    private bool Send(Session s, Span<byte> packet)
    {
        if (s.Broken)
        {
            return false;
        }

        if (_o.NegativeProtocol && Random.Shared.Next(10) == 0)
        {
            int count = Random.Shared.Next(10);
            for (int i = 0; i < count; i++)
            {
                packet[Random.Shared.Next(packet.Length)] = (byte)Random.Shared.Next(256);
            }
        }

        int sent = 0;
        while (sent < packet.Length)
        {
            int n = s.Client.Socket.Send(packet[sent..], SocketFlags.None, out SocketError error);
            if (error != SocketError.Success || n <= 0)
            {
                if (error is SocketError.Interrupted)
                {
                    continue;
                }

                _sendDropped++;
                return false;
            }

            sent += n;
        }

        return true;
    }

    /// <summary>coturn's refresh_channel: Refresh (lifetime), and unless deleting, CreatePermission and ChannelBind again.</summary>
    private void RefreshSession(Session s, StunMethod method, uint lifetime, bool all)
    {
        TurnAuthenticator auth = s.Client.Authenticator;
        IReadOnlyList<string> origins = s.Client.Origins;
        if (method == StunMethod.Refresh)
        {
            TurnMessages.NewTransactionId(_txid);
            int length = TurnMessages.WriteRefresh(_packet, _txid, lifetime, null, auth, origins);
            Send(s, _packet.AsSpan(0, length));
        }

        if (lifetime == 0 || (!all && method == StunMethod.Refresh))
        {
            return;
        }

        if (!_o.NoPermissions && (all || method == StunMethod.CreatePermission))
        {
            TurnMessages.NewTransactionId(_txid);
            int length = TurnMessages.WriteCreatePermission(_packet, _txid, [s.Peer], auth, origins);
            Send(s, _packet.AsSpan(0, length));
        }

        if (s.Channel != 0 && (all || method == StunMethod.ChannelBind))
        {
            TurnMessages.NewTransactionId(_txid);
            int length = TurnMessages.WriteChannelBind(_packet, _txid, s.Channel, s.Peer, auth, origins);
            Send(s, _packet.AsSpan(0, length));
        }
    }

    private void Disconnect()
    {
        // -B: drop every connection abruptly (no deallocation); the sessions run out their messages as "not sent".
        _disconnected = true;
        foreach (Session s in _sessions)
        {
            if (!s.Closed)
            {
                s.Broken = true;
                s.Client.Socket.Close();
            }
        }
    }

    private void Drain(Session s)
    {
        Socket socket = s.Client.Socket;
        try
        {
            do
            {
                if (s.Stream is null)
                {
                    int n = socket.Receive(_receive, SocketFlags.None, out SocketError error);
                    if (error != SocketError.Success)
                    {
                        return;
                    }

                    OnDatagram(s, _receive.AsSpan(0, n));
                }
                else
                {
                    int n = socket.Receive(s.Stream.AsSpan(s.StreamLength), SocketFlags.None, out SocketError error);
                    if (error != SocketError.Success || n == 0)
                    {
                        if (n == 0 && error == SocketError.Success)
                        {
                            CoturnLog.Info("connection closed by the server");
                            s.Broken = true;
                        }

                        return;
                    }

                    s.StreamLength += n;
                    ReadFrames(s);
                }
            }
            while (socket.Available > 0);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void ReadFrames(Session s)
    {
        int offset = 0;
        while (true)
        {
            ReadOnlySpan<byte> buffered = s.Stream.AsSpan(offset, s.StreamLength - offset);
            StreamFrameKind kind = StreamFraming.GetFrame(buffered, out int frame, channelDataPadded: true);
            if (kind == StreamFrameKind.Invalid)
            {
                CoturnLog.Info($"ERROR: Unknown message received of size: {buffered.Length}");
                offset = s.StreamLength;
                break;
            }

            if (kind == StreamFrameKind.NeedMore || frame > buffered.Length)
            {
                break;
            }

            OnDatagram(s, buffered[..frame]);
            offset += frame;
        }

        s.Stream.AsSpan(offset, s.StreamLength - offset).CopyTo(s.Stream);
        s.StreamLength -= offset;
    }

    private void OnDatagram(Session s, ReadOnlySpan<byte> datagram)
    {
        ReadOnlySpan<byte> data;
        if (ChannelData.LooksLikeChannelData(datagram))
        {
            if (!ChannelData.TryParse(datagram, out ushort channel, out data))
            {
                CoturnLog.Info($"ERROR: Unknown message received of size: {datagram.Length}");
                return;
            }

            if (channel != s.Channel)
            {
                CoturnLog.Info($"ERROR: received message has wrong channel: {channel}");
                return;
            }

            if (data.Length != _payload.Length)
            {
                CoturnLog.Info($"ERROR: received buffer have wrong length: {datagram.Length}, must be {_payload.Length + 4}, len={datagram.Length}");
                return;
            }
        }
        else
        {
            if (StunMessage.TryParse(datagram, out StunMessage message) != StunParseStatus.Ok)
            {
                CoturnLog.Info($"ERROR: Unknown message received of size: {datagram.Length}");
                return;
            }

            if (message.Class == StunClass.ErrorResponse)
            {
                OnErrorResponse(s, message);
                return;
            }

            if (message.Class != StunClass.Indication)
            {
                return; // answers to our refreshes, permissions and binds
            }

            if (message.Method != StunMethod.Data)
            {
                CoturnLog.Info($"ERROR: received indication message has wrong method: 0x{(int)message.Method:x}");
                return;
            }

            if (!message.TryGetAttribute(StunAttributeType.Data, out data))
            {
                CoturnLog.Info($"ERROR: received DATA message has no data, size={datagram.Length}");
                return;
            }

            if (data.Length != _payload.Length)
            {
                CoturnLog.Info($"ERROR: received DATA message has wrong len: {data.Length}, must be {_payload.Length}");
                _receivedBytes += data.Length;
                return;
            }
        }

        OnMessage(s, data);
    }

    private void OnErrorResponse(Session s, in StunMessage message)
    {
        if (!message.TryGetErrorCode(out int code, out _))
        {
            return;
        }

        // A stale nonce (or a new challenge) during the data phase: take the nonce and send that request again.
        if ((code == StunErrorCode.StaleNonce || code == StunErrorCode.Unauthorized)
            && s.Client.Authenticator.TryApplyChallenge(message) && !s.Completed)
        {
            RefreshSession(s, message.Method, RefreshLifetime, all: false);
        }
    }

    private void OnMessage(Session s, ReadOnlySpan<byte> data)
    {
        long now = Stopwatch.GetTimestamp();
        int number = BinaryPrimitives.ReadInt32LittleEndian(data);
        long sentAt = BinaryPrimitives.ReadInt64LittleEndian(data[8..]);
        if (number != s.LastNumber + 1)
        {
            s.Loss++;
        }
        else if (sentAt >= _dataStart && sentAt <= now)   // (-R may have corrupted the stamp)
        {
            double latency = Micros(now - sentAt);
            _histogram.Record((long)(latency * 1000));
            _minLatencyUs = Math.Min(_minLatencyUs, latency);
            _maxLatencyUs = Math.Max(_maxLatencyUs, latency);
            _latencySumUs += latency;
            if (s.Received > 0)
            {
                double jitter = Math.Abs(Micros(now - s.LastReceiveTicks) - (_o.IntervalMs * 1000.0));
                _minJitterUs = Math.Min(_minJitterUs, jitter);
                _maxJitterUs = Math.Max(_maxJitterUs, jitter);
                _jitterSumUs += jitter;
            }
        }

        s.LastNumber = number;
        s.Received++;
        _receivedMessages++;
        _receivedBytes += data.Length;
        s.LastReceiveTicks = now;
    }

    private void PrintSummary(long transmitSeconds, long startTicks)
    {
        CoturnLog.Info(string.Create(CultureInfo.InvariantCulture, $"start_mclient: tot_send_msgs={_sentMessages}, tot_recv_msgs={_receivedMessages}"));
        CoturnLog.Info(string.Create(CultureInfo.InvariantCulture, $"start_mclient: tot_send_bytes ~ {_sentBytes}, tot_recv_bytes ~ {_receivedBytes}"));
        long received = Math.Min(_receivedMessages, _sentMessages);
        long lost = _sentMessages - received;
        CoturnLog.Info($"Total transmit time is {transmitSeconds}");
        CoturnLog.Info(string.Create(CultureInfo.InvariantCulture,
            $"Total lost packets {lost} ({F(100.0 * lost / _sentMessages)}%), total send dropped {_sendDropped} ({F(100.0 * _sendDropped / (_sentMessages + _sendDropped))}%)"));
        CoturnLog.Info(string.Create(CultureInfo.InvariantCulture,
            $"Average round trip delay {F(_latencySumUs / 1000.0 / Math.Max(received, 1))} ms; min = {Ms(_minLatencyUs)} ms, max = {Ms(_maxLatencyUs)} ms"));
        CoturnLog.Info(string.Create(CultureInfo.InvariantCulture,
            $"Average jitter {F(_jitterSumUs / 1000.0 / received)} ms; min = {Ms(_minJitterUs)} ms, max = {Ms(_maxJitterUs)} ms"));
        if (_o.Verbose)
        {
            CoturnLog.Info(string.Create(CultureInfo.InvariantCulture,
                $"round trip delay in microseconds: min = {(_minLatencyUs == double.MaxValue ? 0 : _minLatencyUs):0.0}, avg = {_latencySumUs / Math.Max(received, 1):0.0}, p50 = {_histogram.PercentileNs(0.5) / 1000:0.0}, p99 = {_histogram.PercentileNs(0.99) / 1000:0.0}, max = {_maxLatencyUs:0.0}; data phase {Micros(Stopwatch.GetTimestamp() - startTicks) / 1e6:0.000} s"));
        }
    }

    /// <summary>printf("%f"): six decimals, and "nan" where coturn divides by zero.</summary>
    private static string F(double value) => double.IsNaN(value) ? "-nan" : value.ToString("F6", CultureInfo.InvariantCulture);

    /// <summary>Whole milliseconds as coturn prints them (4294967295 when nothing was measured, as coturn's initial minimum).</summary>
    private static string Ms(double micros) => micros == double.MaxValue ? "4294967295" : ((ulong)(micros / 1000)).ToString(CultureInfo.InvariantCulture);

    private static long Ticks(long milliseconds) => milliseconds * Stopwatch.Frequency / 1000;

    private static double Micros(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
}
