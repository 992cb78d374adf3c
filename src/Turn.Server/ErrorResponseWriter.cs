using Turn.Protocol;

namespace Turn.Server;

/// <summary>Writes error responses (RFC 8489 §6.3.4) with the server's common trailer attributes.</summary>
internal static class ErrorResponseWriter
{
    public static int Write(Span<byte> response, in StunMessage request, int code, string reason, StunServiceOptions options)
        => Write(response, request.Method, request.TransactionId, code, reason, options,
            fingerprint: request.HasFingerprint || options.AlwaysFingerprint);

    public static int Write(
        Span<byte> response,
        StunMethod method,
        ReadOnlySpan<byte> transactionId,
        int code,
        string reason,
        StunServiceOptions options,
        bool fingerprint,
        ReadOnlySpan<ushort> unknownAttributes = default)
    {
        var writer = new StunMessageWriter(response);
        writer.WriteHeader(method, StunClass.ErrorResponse, transactionId);
        writer.AddErrorCode(code, reason);
        if (!unknownAttributes.IsEmpty)
        {
            writer.AddUnknownAttributes(unknownAttributes);
        }

        return Finish(ref writer, options, fingerprint);
    }

    /// <summary>Adds SOFTWARE and FINGERPRINT as configured and returns the length, or 0 on overflow.</summary>
    public static int Finish(ref StunMessageWriter writer, StunServiceOptions options, bool fingerprint)
    {
        if (options.Software is { } software)
        {
            writer.AddString(StunAttributeType.Software, software);
        }

        if (fingerprint)
        {
            writer.AddFingerprint();
        }

        return writer.Overflowed ? 0 : writer.Length;
    }
}
