using Turn.Client.Turn;
using Turn.Protocol;

namespace Turn.Utils.Uclient;

/// <summary>One allocation of coturn's session test ("elem" in coturn's uclient) and its data-phase counters.</summary>
internal sealed class Session
{
    public Session(int id, TurnClient client, StunAddress relayed, bool isRtcp)
    {
        Id = id;
        Client = client;
        Relayed = relayed;
        IsRtcp = isRtcp;
    }

    public int Id { get; }

    public TurnClient Client { get; }

    public StunAddress Relayed { get; }

    public bool IsRtcp { get; }

    /// <summary>Where this session's messages go: the echo peer (port+1 for RTCP) or, with -y, the partner's relay.</summary>
    public StunAddress Peer { get; set; }

    /// <summary>The channel bound to <see cref="Peer"/>; 0 = Send indications (-s).</summary>
    public ushort Channel { get; set; }

    public int TotalMessages { get; set; }

    // Data phase (coturn's names in comments).
    public int Sent;                 // wmsgnum
    public int Received;             // rmsgnum
    public int LastNumber = -1;      // recvmsgnum
    public long Loss;                // loss (out-of-order / missing numbers)
    public long LastReceiveTicks;    // recvtimems
    public long NextSendTicks;       // to_send_timems
    public long FinishTicks;         // finished_time
    public long RefreshTicks;        // refresh_time
    public bool Completed;
    public bool Closed;
    public bool Broken;              // -B closed the socket under it

    /// <summary>TCP: bytes received and not yet framed.</summary>
    public byte[]? Stream;
    public int StreamLength;
}
