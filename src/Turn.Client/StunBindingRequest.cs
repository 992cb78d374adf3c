using System.Security.Cryptography;
using Turn.Protocol;

namespace Turn.Client;

/// <summary>
/// What goes into a Binding request besides the header. The default is a bare 20-byte request, which is what
/// coturn's turnutils_stunclient sends first. RFC 5780 NAT-behaviour discovery adds CHANGE-REQUEST,
/// RESPONSE-PORT and PADDING.
/// </summary>
public sealed record StunBindingRequest
{
    /// <summary>A bare Binding request.</summary>
    public static StunBindingRequest Plain { get; } = new();

    /// <summary>CHANGE-REQUEST "change IP" flag (RFC 5780 §7.2).</summary>
    public bool ChangeIp { get; init; }

    /// <summary>CHANGE-REQUEST "change port" flag (RFC 5780 §7.2).</summary>
    public bool ChangePort { get; init; }

    /// <summary>RESPONSE-PORT (RFC 5780 §7.5): ask the server to answer to this port of our address.</summary>
    public ushort? ResponsePort { get; init; }

    /// <summary>PADDING (RFC 5780 §7.6) of this many bytes; 0 for none.</summary>
    public int PaddingLength { get; init; }

    /// <summary>SOFTWARE attribute, or null.</summary>
    public string? Software { get; init; }

    /// <summary>Whether to end the request with FINGERPRINT.</summary>
    public bool Fingerprint { get; init; }

    /// <summary>Upper bound of the encoded size.</summary>
    internal int MaxLength => Stun.HeaderLength + 8 + 8 + 4 + ((PaddingLength + 3) & ~3) + 4 + 768 + 8;

    /// <summary>Encodes the request with a fresh random transaction id; returns the bytes and the id.</summary>
    public byte[] Encode(out byte[] transactionId)
    {
        transactionId = new byte[Stun.TransactionIdLength];
        RandomNumberGenerator.Fill(transactionId);
        return Encode(transactionId);
    }

    /// <summary>Encodes the request with the given 12-byte transaction id.</summary>
    public byte[] Encode(ReadOnlySpan<byte> transactionId)
    {
        if (PaddingLength < 0 || PaddingLength > Stun.MaxBodyLength - 64)
            throw new ArgumentOutOfRangeException(nameof(PaddingLength), PaddingLength, "out of range");
        byte[] buffer = new byte[MaxLength];
        var w = new StunMessageWriter(buffer);
        w.WriteHeader(StunMethod.Binding, StunClass.Request, transactionId);
        if (ResponsePort is { } port) w.AddResponsePort(port);
        if (ChangeIp || ChangePort) w.AddChangeRequest(ChangeIp, ChangePort);
        if (PaddingLength > 0) w.AddPadding(PaddingLength);
        if (Software is not null) w.AddSoftware(Software);
        if (Fingerprint) w.AddFingerprint();
        if (w.Overflowed) throw new InvalidOperationException("The Binding request does not fit its buffer.");
        return w.Written.ToArray();
    }
}
