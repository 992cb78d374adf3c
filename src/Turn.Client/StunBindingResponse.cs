using System.Net;
using System.Text;
using Turn.Protocol;

namespace Turn.Client;

/// <summary>A Binding success or error response that matched our request's transaction id.</summary>
public sealed class StunBindingResponse
{
    private StunBindingResponse(byte[] raw, StunClass cls)
    {
        RawMessage = raw;
        Class = cls;
    }

    /// <summary>The response as received.</summary>
    public byte[] RawMessage { get; }

    /// <summary><see cref="StunClass.SuccessResponse"/> or <see cref="StunClass.ErrorResponse"/>.</summary>
    public StunClass Class { get; }

    /// <summary>True for a success response.</summary>
    public bool IsSuccess => Class == StunClass.SuccessResponse;

    /// <summary>ERROR-CODE of an error response (0 when absent or unreadable).</summary>
    public int ErrorCode { get; private init; }

    /// <summary>The reason phrase of ERROR-CODE, or null.</summary>
    public string? ErrorReason { get; private init; }

    /// <summary>XOR-MAPPED-ADDRESS, or null.</summary>
    public IPEndPoint? XorMappedAddress { get; private init; }

    /// <summary>MAPPED-ADDRESS, or null.</summary>
    public IPEndPoint? MappedAddress { get; private init; }

    /// <summary>Our reflexive transport address: XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS (RFC 8489 §14.2 / §14.1).</summary>
    public IPEndPoint? ReflexiveAddress => XorMappedAddress ?? MappedAddress;

    /// <summary>RESPONSE-ORIGIN (RFC 5780 §7.3), or null.</summary>
    public IPEndPoint? ResponseOrigin { get; private init; }

    /// <summary>OTHER-ADDRESS (RFC 5780 §7.4), or null. Its presence means the server does RFC 5780.</summary>
    public IPEndPoint? OtherAddress { get; private init; }

    /// <summary>SOFTWARE, or null.</summary>
    public string? Software { get; private init; }

    /// <summary>Whether the response carried a (valid — invalid ones are discarded) FINGERPRINT.</summary>
    public bool HasFingerprint { get; private init; }

    /// <summary>Where the response came from.</summary>
    public IPEndPoint? RemoteEndPoint { get; internal set; }

    /// <summary>The local address the response arrived on.</summary>
    public IPEndPoint? LocalEndPoint { get; internal set; }

    /// <summary>How many times the request was sent before this response arrived.</summary>
    public int Transmissions { get; internal set; }

    /// <summary>Time from the first transmission to the response.</summary>
    public TimeSpan Elapsed { get; internal set; }

    /// <summary>
    /// Accepts <paramref name="packet"/> if it is a well-formed RFC 5389/8489 Binding success or error response for
    /// <paramref name="transactionId"/>: magic cookie, matching id, valid FINGERPRINT if present, and no unknown
    /// comprehension-required attribute (RFC 8489 §6.3.3, §7.3.3). Anything else is not our answer (false).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> transactionId, out StunBindingResponse? response)
    {
        response = null;
        if (StunMessage.TryParse(packet, out StunMessage m) != StunParseStatus.Ok) return false;
        if (!m.HasMagicCookie || !m.TransactionId.SequenceEqual(transactionId)) return false;
        if (m.Method != StunMethod.Binding) return false;
        if (m.Class is not (StunClass.SuccessResponse or StunClass.ErrorResponse)) return false;
        if (m.HasFingerprint && !StunIntegrity.VerifyFingerprint(m)) return false;
        if (m.Class == StunClass.SuccessResponse && m.HasUnknownComprehensionRequired) return false;

        int code = 0;
        string? reason = null;
        if (m.Class == StunClass.ErrorResponse && m.TryGetErrorCode(out int c, out ReadOnlySpan<byte> reasonUtf8))
        {
            code = c;
            reason = Encoding.UTF8.GetString(reasonUtf8);
        }

        string? software = null;
        if (m.TryGetAttribute(StunAttributeType.Software, out ReadOnlySpan<byte> sw)
            && StunAttributeReader.TryReadSoftware(sw, out ReadOnlySpan<byte> swUtf8))
        {
            software = Encoding.UTF8.GetString(swUtf8);
        }

        response = new StunBindingResponse(packet.ToArray(), m.Class)
        {
            ErrorCode = code,
            ErrorReason = reason,
            XorMappedAddress = m.TryGetXorAddress(StunAttributeType.XorMappedAddress, out StunAddress x) ? x.ToIPEndPoint() : null,
            MappedAddress = m.TryGetAddress(StunAttributeType.MappedAddress, out StunAddress a) ? a.ToIPEndPoint() : null,
            ResponseOrigin = m.TryGetAddress(StunAttributeType.ResponseOrigin, out StunAddress ro) ? ro.ToIPEndPoint() : null,
            OtherAddress = m.TryGetAddress(StunAttributeType.OtherAddress, out StunAddress oa) ? oa.ToIPEndPoint() : null,
            Software = software,
            HasFingerprint = m.HasFingerprint,
        };
        return true;
    }
}
