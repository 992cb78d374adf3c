using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Turn.Protocol.TestVectors;
using Xunit.Abstractions;

namespace Turn.Protocol.Tests;

/// <summary>
/// A seeded mutation fuzzer: one million inputs (truncations, bit flips, random bytes, random TLV soups with
/// random lengths, corrupted attribute lengths, insertions/deletions, splices of valid messages — long-term
/// authenticated ones included) go through TryParse, every typed reader, integrity and fingerprint
/// verification, ChannelData parsing and stream framing. Any exception fails the test; every span handed
/// back is checked to lie inside the input.
/// </summary>
public class FuzzTests
{
    private const int Iterations = 1_000_000;
    private const int Seed = 20240607;

    private static readonly byte[] ShortKey = StunKeys.ShortTerm(Rfc5769Vectors.ShortTermPassword);
    private static readonly byte[] LongKey = StunKeys.LongTermMd5(Rfc5769Vectors.LongTermUsername, Rfc5769Vectors.LongTermRealm, Rfc5769Vectors.LongTermPassword);
    private static readonly byte[] ShaKey = StunKeys.LongTermSha256(Rfc8489Vectors.Username, Rfc8489Vectors.Realm, Rfc8489Vectors.Password);

    private static readonly ushort[] InterestingTypes =
    [
        .. Enum.GetValues<StunAttributeType>().Select(t => (ushort)t).Distinct(),
        0x0000, 0x0031, 0x7FFF, 0x8FFF, 0xFFFF,
    ];

    private readonly ITestOutputHelper _output;

    public FuzzTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void One_million_mutated_inputs_never_throw_or_escape_the_input()
    {
        byte[][] seeds = BuildSeeds();
        var rng = new Random(Seed);
        byte[] scratch = new byte[Stun.MaxMessageLength + 64];
        var counts = new int[3];
        int verifiedIntegrity = 0;
        var clock = Stopwatch.StartNew();

        for (int i = 0; i < Iterations; i++)
        {
            int length = Mutate(rng, seeds, scratch, i);
            verifiedIntegrity += Probe(scratch.AsSpan(0, length), counts, withStrings: (i & 15) == 0);
        }

        clock.Stop();
        _output.WriteLine($"{Iterations:N0} inputs in {clock.Elapsed.TotalSeconds:F1} s: Ok {counts[0]:N0}, NotStun {counts[1]:N0}, Malformed {counts[2]:N0}; {verifiedIntegrity:N0} integrity checks passed");

        // The mutations must reach every outcome, and mutated signed messages must both pass and fail verification.
        Assert.True(counts[(int)StunParseStatus.Ok] > Iterations / 10, "too few inputs parsed");
        Assert.True(counts[(int)StunParseStatus.NotStun] > Iterations / 20, "too few NotStun");
        Assert.True(counts[(int)StunParseStatus.Malformed] > Iterations / 20, "too few Malformed");
        Assert.True(verifiedIntegrity > 1000, "integrity never verified on a surviving message");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(50), $"fuzzing took {clock.Elapsed}");
    }

    private static byte[][] BuildSeeds()
    {
        var seeds = new List<byte[]>
        {
            Rfc5769Vectors.Request.ToArray(),
            Rfc5769Vectors.Ipv4Response.ToArray(),
            Rfc5769Vectors.Ipv6Response.ToArray(),
            Rfc5769Vectors.LongTermRequest.ToArray(),
            Rfc8489Vectors.CorrectedRequest.ToArray(),
            Rfc8489Vectors.PublishedRequest.ToArray(),
            TestHelpers.Hex("0001 0008 00112233445566778899aabbccddeeff 0003 0004 00000006"), // RFC 3489
        };

        seeds.Add(TestHelpers.Build(StunMethod.Allocate, StunClass.Request, (ref StunMessageWriter w) =>
        {
            w.AddRequestedTransport(TransportProtocol.Udp);
            w.AddLifetime(600);
            w.AddRequestedAddressFamily(StunAddressFamily.IPv6);
            w.AddAdditionalAddressFamily(StunAddressFamily.IPv6);
            w.AddEvenPort(true);
            w.AddDontFragment();
            w.AddMobilityTicket([]);
            w.AddUsername(Rfc5769Vectors.LongTermUsername);
            w.AddRealm(Rfc5769Vectors.LongTermRealm);
            w.AddNonce(Rfc5769Vectors.LongTermNonce);
            w.AddSoftware("fuzz");
            w.AddMessageIntegrity(LongKey);
            w.AddMessageIntegritySha256(ShaKey, 24);
            w.AddFingerprint();
        }));
        seeds.Add(TestHelpers.Build(StunMethod.Allocate, StunClass.SuccessResponse, (ref StunMessageWriter w) =>
        {
            w.AddXorAddress(StunAttributeType.XorRelayedAddress, StunAddress.Parse("[2001:db8::7]:50000"));
            w.AddXorAddress(StunAttributeType.XorMappedAddress, StunAddress.Parse("192.0.2.1:40000"));
            w.AddAddressErrorCode(StunAddressFamily.IPv4, 440);
            w.AddReservationToken(0x0102030405060708);
            w.AddLifetime(600);
            w.AddMessageIntegrity(LongKey);
            w.AddFingerprint();
        }));
        seeds.Add(TestHelpers.Build(StunMethod.Allocate, StunClass.ErrorResponse, (ref StunMessageWriter w) =>
        {
            w.AddErrorCode(420);
            w.AddUnknownAttributes([0x0031, 0x7FFF, 0x0042]);
            w.AddRealm("example.org");
            w.AddNonce("obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA");
            w.AddPasswordAlgorithms([StunPasswordAlgorithm.Sha256, StunPasswordAlgorithm.Md5]);
            w.AddThirdPartyAuthorization("auth.example.org");
            w.AddAlternateDomain("turn.example.org");
            w.AddAddress(StunAttributeType.AlternateServer, StunAddress.Parse("203.0.113.5:3478"));
        }));
        seeds.Add(TestHelpers.Build(StunMethod.Send, StunClass.Indication, (ref StunMessageWriter w) =>
        {
            w.AddXorAddress(StunAttributeType.XorPeerAddress, StunAddress.Parse("198.51.100.2:9"));
            w.AddData([1, 2, 3, 4, 5, 6, 7]);
            w.AddIcmp(3, 4, 1400);
            w.AddFingerprint();
        }));
        seeds.Add(TestHelpers.Build(StunMethod.Binding, StunClass.Request, (ref StunMessageWriter w) =>
        {
            w.AddChangeRequest(true, true);
            w.AddResponsePort(4000);
            w.AddPadding(17);
            w.AddOrigin("https://example.com");
            w.AddPriority(1);
            w.AddIceControlling(42);
            w.AddUseCandidate();
            w.AddConnectionId(7);
            w.AddChannelNumber(0x4001);
            w.AddUserHash(Rfc8489Vectors.UserHash);
            w.AddPasswordAlgorithm(StunPasswordAlgorithm.Sha256);
            w.AddAccessToken([0, 2, 9, 9, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            w.AddMessageIntegrity(ShortKey);
        }));
        seeds.Add(TestHelpers.Build(StunMethod.Data, StunClass.Indication, (ref StunMessageWriter w) =>
        {
            w.AddXorAddress(StunAttributeType.XorPeerAddress, StunAddress.Parse("[::1]:1"));
            w.AddData(new byte[3000]); // bigger than the stack copy used for MACs
            w.AddMessageIntegrity(ShortKey);
            w.AddFingerprint();
        }));

        var channel = new byte[40];
        ChannelData.TryWrite(channel, 0x4001, [.. Enumerable.Range(0, 29).Select(i => (byte)i)], pad: true, out int channelLength);
        seeds.Add(channel[..channelLength]);
        return [.. seeds];
    }

    /// <summary>Builds the i-th input in <paramref name="scratch"/> and returns its length.</summary>
    private static int Mutate(Random rng, byte[][] seeds, byte[] scratch, int i)
    {
        byte[] seed = seeds[rng.Next(seeds.Length)];
        switch (i % 8)
        {
            case 0: // truncation, sometimes with the length field patched to agree
            {
                int length = rng.Next(seed.Length + 1);
                seed.AsSpan(0, length).CopyTo(scratch);
                if (length >= 20 && rng.Next(2) == 0)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(scratch.AsSpan(2), (ushort)(length - 20));
                }

                return length;
            }

            case 1: // bit flips
            {
                seed.CopyTo(scratch, 0);
                int flips = 1 + rng.Next(8);
                for (int k = 0; k < flips; k++)
                {
                    scratch[rng.Next(seed.Length)] ^= (byte)(1 << rng.Next(8));
                }

                return seed.Length;
            }

            case 2: // random bytes, half of them behind a plausible STUN header
            {
                int length = rng.Next(300);
                rng.NextBytes(scratch.AsSpan(0, length));
                if (length >= 20 && rng.Next(2) == 0)
                {
                    scratch[0] &= 0x3F;
                    BinaryPrimitives.WriteUInt32BigEndian(scratch.AsSpan(4), Stun.MagicCookie);
                    BinaryPrimitives.WriteUInt16BigEndian(scratch.AsSpan(2), (ushort)((length - 20) & ~3));
                }

                return length;
            }

            case 3: // valid header, random TLVs with random (sometimes lying) lengths
            {
                BinaryPrimitives.WriteUInt16BigEndian(scratch, (ushort)(rng.Next(0x4000)));
                BinaryPrimitives.WriteUInt32BigEndian(scratch.AsSpan(4), rng.Next(8) == 0 ? (uint)rng.Next() : Stun.MagicCookie);
                rng.NextBytes(scratch.AsSpan(8, 12));
                int offset = 20;
                int attributes = rng.Next(12);
                for (int k = 0; k < attributes && offset + 4 < 1200; k++)
                {
                    ushort type = InterestingTypes[rng.Next(InterestingTypes.Length)];
                    int valueLength = rng.Next(4) == 0 ? rng.Next(65536) : rng.Next(40);
                    int room = Math.Min(Stun.Pad4(Math.Min(valueLength, 64)), 1200 - offset - 4);
                    BinaryPrimitives.WriteUInt16BigEndian(scratch.AsSpan(offset), type);
                    BinaryPrimitives.WriteUInt16BigEndian(scratch.AsSpan(offset + 2), (ushort)valueLength);
                    rng.NextBytes(scratch.AsSpan(offset + 4, room));
                    if (room >= 2 && rng.Next(2) == 0)
                    {
                        scratch[offset + 5] = (byte)(1 + rng.Next(2)); // plausible address family
                    }

                    offset += 4 + room;
                }

                BinaryPrimitives.WriteUInt16BigEndian(scratch.AsSpan(2), (ushort)(rng.Next(6) == 0 ? rng.Next(65536) : offset - 20));
                return offset;
            }

            case 4: // corrupt one attribute length of a valid message
            {
                seed.CopyTo(scratch, 0);
                int offset = 20, chosen = -1, index = 0, pick = rng.Next(16);
                while (offset + 4 <= seed.Length)
                {
                    if (index++ == pick || chosen < 0)
                    {
                        chosen = offset;
                    }

                    offset += 4 + Stun.Pad4(BinaryPrimitives.ReadUInt16BigEndian(seed.AsSpan(offset + 2)));
                }

                if (chosen >= 0)
                {
                    int newLength = rng.Next(3) switch
                    {
                        0 => rng.Next(65536),
                        1 => Math.Max(0, BinaryPrimitives.ReadUInt16BigEndian(seed.AsSpan(chosen + 2)) + rng.Next(-5, 6)),
                        _ => rng.Next(64),
                    };
                    BinaryPrimitives.WriteUInt16BigEndian(scratch.AsSpan(chosen + 2), (ushort)newLength);
                }

                return seed.Length;
            }

            case 5: // insert or delete bytes, then fix the header length
            {
                int at = rng.Next(seed.Length + 1);
                int count = 1 + rng.Next(8);
                int length;
                if (rng.Next(2) == 0)
                {
                    seed.AsSpan(0, at).CopyTo(scratch);
                    rng.NextBytes(scratch.AsSpan(at, count));
                    seed.AsSpan(at).CopyTo(scratch.AsSpan(at + count));
                    length = seed.Length + count;
                }
                else
                {
                    count = Math.Min(count, seed.Length - at);
                    seed.AsSpan(0, at).CopyTo(scratch);
                    seed.AsSpan(at + count).CopyTo(scratch.AsSpan(at));
                    length = seed.Length - count;
                }

                if (length >= 20)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(scratch.AsSpan(2), (ushort)(length - 20));
                }

                return length;
            }

            case 6: // splice: head of one message, tail of another
            {
                byte[] other = seeds[rng.Next(seeds.Length)];
                int head = rng.Next(seed.Length + 1);
                int tail = rng.Next(other.Length + 1);
                seed.AsSpan(0, head).CopyTo(scratch);
                other.AsSpan(other.Length - tail).CopyTo(scratch.AsSpan(head));
                int length = head + tail;
                if (length >= 20 && rng.Next(4) != 0)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(scratch.AsSpan(2), (ushort)(length - 20));
                }

                return length;
            }

            default: // mutate values only: keep the framing, scramble bytes inside attribute values
            {
                seed.CopyTo(scratch, 0);
                int offset = 20;
                while (offset + 4 <= seed.Length)
                {
                    int valueLength = BinaryPrimitives.ReadUInt16BigEndian(seed.AsSpan(offset + 2));
                    if (valueLength > 0 && offset + 4 + valueLength <= seed.Length && rng.Next(3) == 0)
                    {
                        scratch[offset + 4 + rng.Next(valueLength)] = (byte)rng.Next(256);
                    }

                    offset += 4 + Stun.Pad4(valueLength);
                }

                return seed.Length;
            }
        }
    }

    /// <summary>Runs everything over one input; returns how many integrity/fingerprint checks passed.</summary>
    private static int Probe(ReadOnlySpan<byte> input, int[] counts, bool withStrings)
    {
        int passed = 0;
        StunParseStatus status = StunMessage.TryParse(input, out StunMessage m);
        counts[(int)status]++;
        if (status == StunParseStatus.Ok)
        {
            Inside(input, m.Raw);
            Inside(input, m.TransactionId);
            Inside(input, m.ClassicTransactionId);
            if (m.Raw.Length != input.Length)
            {
                Assert.Fail("a parsed message must fill the packet");
            }

            foreach (StunAttribute a in m.GetAttributes(includeIgnored: true))
            {
                Inside(input, a.Value);
                if (a.Offset < Stun.HeaderLength || a.Offset + 4 + a.Value.Length > input.Length)
                {
                    Assert.Fail("attribute offset out of range");
                }

                ReadEverything(input, a.Value, m.TransactionId, withStrings);
            }

            foreach (ushort type in InterestingTypes)
            {
                if (m.TryGetAttribute(type, out ReadOnlySpan<byte> value))
                {
                    Inside(input, value);
                }
            }

            Span<ushort> unknown = stackalloc ushort[16];
            int unknownCount = m.CopyUnknownComprehensionRequired(unknown);
            if (unknownCount > 0 != m.HasUnknownComprehensionRequired)
            {
                Assert.Fail("unknown-attribute count disagrees");
            }

            m.TryGetAddress(StunAttributeType.MappedAddress, out _);
            m.TryGetXorAddress(StunAttributeType.XorMappedAddress, out _);
            m.TryGetErrorCode(out _, out _);

            passed += StunIntegrity.VerifyMessageIntegrity(m, ShortKey) ? 1 : 0;
            passed += StunIntegrity.VerifyMessageIntegrity(m, LongKey) ? 1 : 0;
            passed += StunIntegrity.VerifyMessageIntegritySha256(m, ShaKey) ? 1 : 0;
            passed += StunIntegrity.VerifyFingerprint(m) ? 1 : 0;
        }
        else if (m.IsValid || !m.Raw.IsEmpty)
        {
            Assert.Fail("a failed parse must leave an empty message");
        }

        // The whole input through every reader, as if it were an attribute value.
        ReadEverything(input, input, input.Length >= 32 ? input.Slice(20, 12) : Rfc5769Vectors.TransactionId, withStrings: false);

        if (ChannelData.TryParse(input, out _, out ReadOnlySpan<byte> data))
        {
            Inside(input, data);
        }

        StreamFrameKind kind = StreamFraming.GetFrame(input, out int frameLength);
        bool consistent = kind switch
        {
            StreamFrameKind.Stun or StreamFrameKind.ChannelData => frameLength > 0 && frameLength <= input.Length,
            StreamFrameKind.NeedMore => frameLength > input.Length,
            _ => frameLength == 0,
        };
        if (!consistent)
        {
            Assert.Fail($"stream framing said {kind} with length {frameLength} for {input.Length} bytes");
        }

        return passed;
    }

    private static void ReadEverything(ReadOnlySpan<byte> input, ReadOnlySpan<byte> v, ReadOnlySpan<byte> transactionId, bool withStrings)
    {
        StunAttributeReader.TryReadAddress(v, out _);
        StunAttributeReader.TryReadXorAddress(v, transactionId, out _);
        StunAttributeReader.TryReadUInt32(v, out _);
        StunAttributeReader.TryReadUInt64(v, out _);
        StunAttributeReader.TryReadChannelNumber(v, out _);
        StunAttributeReader.TryReadRequestedTransport(v, out _);
        StunAttributeReader.TryReadAddressFamily(v, out _);
        StunAttributeReader.TryReadEvenPort(v, out _);
        StunAttributeReader.TryReadReservationToken(v, out ulong _);
        StunAttributeReader.TryReadChangeRequest(v, out _, out _);
        StunAttributeReader.TryReadResponsePort(v, out _);
        StunAttributeReader.TryReadIcmp(v, out _, out _, out _);
        StunAttributeReader.TryReadFlag(v);
        StunAttributeReader.TryReadFingerprint(v, out _);

        if (StunAttributeReader.TryReadReservationToken(v, out ReadOnlySpan<byte> token)) Inside(input, token);
        if (StunAttributeReader.TryReadUsername(v, out ReadOnlySpan<byte> s1)) Inside(input, s1);
        if (StunAttributeReader.TryReadRealm(v, out ReadOnlySpan<byte> s2)) Inside(input, s2);
        if (StunAttributeReader.TryReadNonce(v, out ReadOnlySpan<byte> s3)) Inside(input, s3);
        if (StunAttributeReader.TryReadSoftware(v, out ReadOnlySpan<byte> s4)) Inside(input, s4);
        if (StunAttributeReader.TryReadOrigin(v, out ReadOnlySpan<byte> s5)) Inside(input, s5);
        if (StunAttributeReader.TryReadThirdPartyAuthorization(v, out ReadOnlySpan<byte> s6)) Inside(input, s6);
        if (StunAttributeReader.TryReadAlternateDomain(v, out ReadOnlySpan<byte> s7)) Inside(input, s7);
        if (StunAttributeReader.TryReadErrorCode(v, out _, out ReadOnlySpan<byte> reason)) Inside(input, reason);
        StunAttributeReader.TryReadErrorCode(v, out int _);
        if (StunAttributeReader.TryReadAddressErrorCode(v, out _, out _, out ReadOnlySpan<byte> reason2)) Inside(input, reason2);
        if (StunAttributeReader.TryReadUserHash(v, out ReadOnlySpan<byte> hash)) Inside(input, hash);
        if (StunAttributeReader.TryReadMessageIntegrity(v, out ReadOnlySpan<byte> mi)) Inside(input, mi);
        if (StunAttributeReader.TryReadMessageIntegritySha256(v, out ReadOnlySpan<byte> mi256)) Inside(input, mi256);
        if (StunAttributeReader.TryReadPasswordAlgorithm(v, out _, out ReadOnlySpan<byte> parameters)) Inside(input, parameters);
        if (StunAttributeReader.TryReadAccessToken(v, out ReadOnlySpan<byte> nonce, out ReadOnlySpan<byte> block))
        {
            Inside(input, nonce);
            Inside(input, block);
        }

        if (OAuthAccessToken.TryReadPlaintext(v, out ReadOnlySpan<byte> macKey, out _, out _)) Inside(input, macKey);
        if (StunAttributeReader.TryReadOpaque(v, out ReadOnlySpan<byte> opaque)) Inside(input, opaque);

        Span<ushort> unknown = stackalloc ushort[64];
        StunAttributeReader.TryReadUnknownAttributes(v, unknown, out _);
        StunAttributeReader.GetUnknownAttributesCount(v);
        Span<StunPasswordAlgorithm> algorithms = stackalloc StunPasswordAlgorithm[16];
        StunAttributeReader.TryReadPasswordAlgorithms(v, algorithms, out _);
        StunAttributeReader.PasswordAlgorithmsContains(v, StunPasswordAlgorithm.Sha256);

        if (withStrings)
        {
            StunAttributeReader.TryReadString(v, Stun.MaxTextBytes, out string _);
            Span<char> chars = stackalloc char[32];
            StunAttributeReader.TryReadString(v, Stun.MaxTextBytes, chars, out _);
        }
    }

    /// <summary>Fails unless <paramref name="part"/> lies within <paramref name="whole"/>.</summary>
    private static void Inside(ReadOnlySpan<byte> whole, ReadOnlySpan<byte> part)
    {
        if (part.IsEmpty)
        {
            return;
        }

        nint offset = Unsafe.ByteOffset(ref MemoryMarshal.GetReference(whole), ref MemoryMarshal.GetReference(part));
        if (offset < 0 || offset + part.Length > whole.Length)
        {
            // Values may also come from the test's own static transaction id.
            if (!Overlaps(Rfc5769Vectors.TransactionId, part))
            {
                Assert.Fail($"span at offset {offset} (+{part.Length}) escapes an input of {whole.Length} bytes");
            }
        }
    }

    private static bool Overlaps(ReadOnlySpan<byte> whole, ReadOnlySpan<byte> part)
    {
        nint offset = Unsafe.ByteOffset(ref MemoryMarshal.GetReference(whole), ref MemoryMarshal.GetReference(part));
        return offset >= 0 && offset + part.Length <= whole.Length;
    }
}
