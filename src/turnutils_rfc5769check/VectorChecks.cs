using System.Text;
using Turn.Protocol;
using Turn.Protocol.TestVectors;

namespace Turn.Utils.Rfc5769check;

/// <summary>
/// Checks every RFC 5769 vector and RFC 8489 Appendix B.1 with Turn.Protocol: parse, verify
/// MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT, decode the attributes, and re-encode byte for byte.
/// </summary>
internal static class VectorChecks
{
    public static void RunAll(CheckReport report)
    {
        CheckRequest(report);
        CheckResponse(report, "RFC 5769 2.2 IPv4 response", Rfc5769Vectors.Ipv4Response, Rfc5769Vectors.Ipv4MappedAddress);
        CheckResponse(report, "RFC 5769 2.3 IPv6 response", Rfc5769Vectors.Ipv6Response, Rfc5769Vectors.Ipv6MappedAddress);
        CheckLongTerm(report);
        CheckRfc8489B1(report);
    }

    private static void CheckRequest(CheckReport report)
    {
        const string name = "RFC 5769 2.1 request";
        ReadOnlySpan<byte> vector = Rfc5769Vectors.Request;
        byte[] key = StunKeys.ShortTerm(Rfc5769Vectors.ShortTermPassword);

        StunParseStatus status = StunMessage.TryParse(vector, out StunMessage message);
        report.Check($"{name}: parse", status == StunParseStatus.Ok, $"status {status}");
        if (status != StunParseStatus.Ok)
        {
            return;
        }

        report.Check($"{name}: Binding request", message.Method == StunMethod.Binding && message.Class == StunClass.Request,
            $"method {message.Method}, class {message.Class}");
        report.Check($"{name}: MESSAGE-INTEGRITY", StunIntegrity.VerifyMessageIntegrity(message, key), "HMAC-SHA1 mismatch");
        report.Check($"{name}: MESSAGE-INTEGRITY rejects a wrong password",
            !StunIntegrity.VerifyMessageIntegrity(message, Encoding.UTF8.GetBytes("wrong")), "verified with a wrong key");
        report.Check($"{name}: FINGERPRINT", StunIntegrity.VerifyFingerprint(message), "CRC-32 mismatch");

        bool software = message.TryGetAttribute(StunAttributeType.Software, out ReadOnlySpan<byte> sw)
                        && StunAttributeReader.TryReadString(sw, Stun.MaxTextBytes, out string softwareText)
                        && softwareText == Rfc5769Vectors.RequestSoftware;
        bool username = message.TryGetAttribute(StunAttributeType.Username, out ReadOnlySpan<byte> un)
                        && StunAttributeReader.TryReadString(un, Stun.MaxUsernameBytes, out string usernameText)
                        && usernameText == Rfc5769Vectors.RequestUsername;
        bool priority = message.TryGetUInt32(StunAttributeType.Priority, out uint prio) && prio == Rfc5769Vectors.RequestPriority;
        bool controlled = message.TryGetAttribute(StunAttributeType.IceControlled, out ReadOnlySpan<byte> ic)
                          && StunAttributeReader.TryReadIceTieBreaker(ic, out ulong tie) && tie == Rfc5769Vectors.RequestIceControlled;
        report.Check($"{name}: attributes", software && username && priority && controlled,
            $"SOFTWARE {software}, USERNAME {username}, PRIORITY {priority}, ICE-CONTROLLED {controlled}");
        report.Detail($"USERNAME \"{Rfc5769Vectors.RequestUsername}\", SOFTWARE \"{Rfc5769Vectors.RequestSoftware}\", PRIORITY 0x{Rfc5769Vectors.RequestPriority:X8}");

        Span<byte> buffer = stackalloc byte[256];
        var writer = new StunMessageWriter(buffer) { PaddingByte = 0x20 };
        writer.WriteHeader(StunMethod.Binding, StunClass.Request, Rfc5769Vectors.TransactionId);
        writer.AddSoftware(Rfc5769Vectors.RequestSoftware);
        writer.AddPriority(Rfc5769Vectors.RequestPriority);
        writer.AddIceControlled(Rfc5769Vectors.RequestIceControlled);
        writer.AddUsername(Rfc5769Vectors.RequestUsername);
        writer.AddMessageIntegrity(key);
        writer.AddFingerprint();
        CheckSame(report, $"{name}: re-encode", writer, vector);
    }

    private static void CheckResponse(CheckReport report, string name, ReadOnlySpan<byte> vector, string expectedAddress)
    {
        byte[] key = StunKeys.ShortTerm(Rfc5769Vectors.ShortTermPassword);
        StunParseStatus status = StunMessage.TryParse(vector, out StunMessage message);
        report.Check($"{name}: parse", status == StunParseStatus.Ok, $"status {status}");
        if (status != StunParseStatus.Ok)
        {
            return;
        }

        report.Check($"{name}: Binding success response",
            message.Method == StunMethod.Binding && message.Class == StunClass.SuccessResponse,
            $"method {message.Method}, class {message.Class}");
        report.Check($"{name}: MESSAGE-INTEGRITY", StunIntegrity.VerifyMessageIntegrity(message, key), "HMAC-SHA1 mismatch");
        report.Check($"{name}: FINGERPRINT", StunIntegrity.VerifyFingerprint(message), "CRC-32 mismatch");

        StunAddress expected = StunAddress.Parse(expectedAddress);
        bool decoded = message.TryGetXorAddress(StunAttributeType.XorMappedAddress, out StunAddress mapped);
        report.Check($"{name}: XOR-MAPPED-ADDRESS {expected}", decoded && mapped == expected,
            decoded ? $"decoded {mapped}" : "not decodable");
        report.Detail($"XOR-MAPPED-ADDRESS decodes to {mapped}");

        Span<byte> buffer = stackalloc byte[256];
        var writer = new StunMessageWriter(buffer) { PaddingByte = 0x20 };
        writer.WriteHeader(StunMethod.Binding, StunClass.SuccessResponse, Rfc5769Vectors.TransactionId);
        writer.AddSoftware(Rfc5769Vectors.ResponseSoftware);
        writer.AddXorAddress(StunAttributeType.XorMappedAddress, expected);
        writer.AddMessageIntegrity(key);
        writer.AddFingerprint();
        CheckSame(report, $"{name}: re-encode", writer, vector);
    }

    private static void CheckLongTerm(CheckReport report)
    {
        const string name = "RFC 5769 2.4 long-term request";
        ReadOnlySpan<byte> vector = Rfc5769Vectors.LongTermRequest;
        StunParseStatus status = StunMessage.TryParse(vector, out StunMessage message);
        report.Check($"{name}: parse", status == StunParseStatus.Ok, $"status {status}");
        if (status != StunParseStatus.Ok)
        {
            return;
        }

        bool userOk = message.TryGetAttribute(StunAttributeType.Username, out ReadOnlySpan<byte> un)
                      && StunAttributeReader.TryReadString(un, Stun.MaxUsernameBytes, out string user)
                      && user == Rfc5769Vectors.LongTermUsername;
        bool realmOk = message.TryGetAttribute(StunAttributeType.Realm, out ReadOnlySpan<byte> rl)
                       && StunAttributeReader.TryReadRealm(rl, out ReadOnlySpan<byte> realmUtf8)
                       && Encoding.UTF8.GetString(realmUtf8) == Rfc5769Vectors.LongTermRealm;
        bool nonceOk = message.TryGetAttribute(StunAttributeType.Nonce, out ReadOnlySpan<byte> nc)
                       && StunAttributeReader.TryReadNonce(nc, out ReadOnlySpan<byte> nonceUtf8)
                       && Encoding.UTF8.GetString(nonceUtf8) == Rfc5769Vectors.LongTermNonce;
        report.Check($"{name}: USERNAME / REALM / NONCE", userOk && realmOk && nonceOk,
            $"USERNAME {userOk}, REALM {realmOk}, NONCE {nonceOk}");

        bool usernamePrepared = OpaqueString.TryPrepare(Rfc5769Vectors.LongTermUsername, out string? preparedUser)
                                && preparedUser == Rfc5769Vectors.LongTermUsername;
        report.Check($"{name}: username unchanged by OpaqueString", usernamePrepared, $"prepared to \"{preparedUser}\"");

        byte[] key = StunKeys.LongTermMd5(Rfc5769Vectors.LongTermUsername, Rfc5769Vectors.LongTermRealm, Rfc5769Vectors.LongTermPassword);
        report.Detail($"long-term key MD5(user:realm:pass) = {Convert.ToHexString(key)}");
        report.Check($"{name}: MESSAGE-INTEGRITY", StunIntegrity.VerifyMessageIntegrity(message, key), "HMAC-SHA1 mismatch");
        byte[] wrongKey = StunKeys.LongTermMd5(Rfc5769Vectors.LongTermUsername, Rfc5769Vectors.LongTermRealm, "thematrix");
        report.Check($"{name}: MESSAGE-INTEGRITY rejects a wrong password", !StunIntegrity.VerifyMessageIntegrity(message, wrongKey),
            "verified with a wrong key");
        report.Check($"{name}: no FINGERPRINT", !message.HasFingerprint, "unexpected FINGERPRINT");

        Span<byte> buffer = stackalloc byte[256];
        var writer = new StunMessageWriter(buffer);
        writer.WriteHeader(StunMethod.Binding, StunClass.Request, Rfc5769Vectors.LongTermTransactionId);
        writer.AddUsername(Rfc5769Vectors.LongTermUsername);
        writer.AddNonce(Rfc5769Vectors.LongTermNonce);
        writer.AddRealm(Rfc5769Vectors.LongTermRealm);
        writer.AddMessageIntegrity(key);
        CheckSame(report, $"{name}: re-encode", writer, vector);
    }

    private static void CheckRfc8489B1(CheckReport report)
    {
        const string name = "RFC 8489 B.1 (erratum 6268)";
        ReadOnlySpan<byte> vector = Rfc8489Vectors.CorrectedRequest;
        StunParseStatus status = StunMessage.TryParse(vector, out StunMessage message);
        report.Check($"{name}: parse", status == StunParseStatus.Ok, $"status {status}");
        if (status != StunParseStatus.Ok)
        {
            return;
        }

        byte[] userHash = StunKeys.UserHash(Rfc8489Vectors.Username, Rfc8489Vectors.Realm);
        bool hashOk = message.TryGetAttribute(StunAttributeType.UserHash, out ReadOnlySpan<byte> uh)
                      && StunAttributeReader.TryReadUserHash(uh, out ReadOnlySpan<byte> hash)
                      && hash.SequenceEqual(userHash);
        report.Check($"{name}: USERHASH = SHA-256(username:realm)", hashOk, "USERHASH differs");

        bool algorithmOk = message.TryGetAttribute(StunAttributeType.PasswordAlgorithm, out ReadOnlySpan<byte> pa)
                           && StunAttributeReader.TryReadPasswordAlgorithm(pa, out StunPasswordAlgorithm algorithm, out ReadOnlySpan<byte> parameters)
                           && algorithm == StunPasswordAlgorithm.Sha256 && parameters.IsEmpty;
        report.Check($"{name}: PASSWORD-ALGORITHM SHA-256", algorithmOk, "missing or not SHA-256");

        byte[] key = StunKeys.LongTermSha256(Rfc8489Vectors.Username, Rfc8489Vectors.Realm, Rfc8489Vectors.Password);
        report.Detail($"long-term key SHA-256(user:realm:pass) = {Convert.ToHexString(key)}");
        report.Check($"{name}: MESSAGE-INTEGRITY-SHA256", StunIntegrity.VerifyMessageIntegritySha256(message, key), "HMAC-SHA256 mismatch");

        Span<byte> buffer = stackalloc byte[256];
        var writer = new StunMessageWriter(buffer);
        writer.WriteHeader(StunMethod.Binding, StunClass.Request, Rfc8489Vectors.TransactionId);
        writer.AddUserHash(userHash);
        writer.AddNonce(Rfc8489Vectors.Nonce);
        writer.AddRealm(Rfc8489Vectors.Realm);
        writer.AddPasswordAlgorithm(StunPasswordAlgorithm.Sha256);
        writer.AddMessageIntegritySha256(key);
        CheckSame(report, $"{name}: re-encode", writer, vector);

        // The vector as printed in the RFC has Length 0x9c for a 156-byte message: it must not parse.
        StunParseStatus published = StunMessage.TryParse(Rfc8489Vectors.PublishedRequest, out _);
        report.Check("RFC 8489 B.1 (as published): rejected, its length field is wrong (erratum 6268)",
            published == StunParseStatus.Malformed, $"status {published}");
    }

    private static void CheckSame(CheckReport report, string name, in StunMessageWriter writer, ReadOnlySpan<byte> expected)
    {
        if (writer.Overflowed)
        {
            report.Check(name, false, "writer overflowed");
            return;
        }

        ReadOnlySpan<byte> written = writer.Written;
        int diff = written.CommonPrefixLength(expected);
        bool same = written.SequenceEqual(expected);
        report.Check(name, same, $"{written.Length} bytes written, {expected.Length} expected, first difference at byte {diff}");
    }
}
