using System.Text;

namespace Turn.Protocol.Tests;

/// <summary>Write → parse → typed read gives back the input, for every attribute kind.</summary>
public class AttributeRoundTripTests
{
    public static TheoryData<string> Addresses => new()
    {
        "192.0.2.1:32853",
        "0.0.0.0:0",
        "255.255.255.255:65535",
        "[2001:db8:1234:5678:11:2233:4455:6677]:32853",
        "[::]:1",
        "[::1]:3478",
        "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535",
        "[::ffff:192.0.2.9]:9",
    };

    [Theory]
    [MemberData(nameof(Addresses))]
    public void Plain_address_attributes(string text)
    {
        StunAddress address = StunAddress.Parse(text);
        StunAttributeType[] types =
        [
            StunAttributeType.MappedAddress, StunAttributeType.AlternateServer, StunAttributeType.ResponseOrigin,
            StunAttributeType.OtherAddress, StunAttributeType.SourceAddress, StunAttributeType.ChangedAddress,
            StunAttributeType.ResponseAddress, StunAttributeType.ReflectedFrom,
        ];
        foreach (StunAttributeType type in types)
        {
            StunMessage m = TestHelpers.ParseOk(TestHelpers.Build((ref StunMessageWriter w) => w.AddAddress(type, address)));
            Assert.True(m.TryGetAddress(type, out StunAddress read), type.ToString());
            Assert.Equal(address, read);
            Assert.Equal(address.IsIPv4 ? 8 : 20, TestHelpers.Attribute(m, type).Length);
        }
    }

    [Theory]
    [MemberData(nameof(Addresses))]
    public void Xor_address_attributes(string text)
    {
        StunAddress address = StunAddress.Parse(text);
        StunAttributeType[] types = [StunAttributeType.XorMappedAddress, StunAttributeType.XorPeerAddress, StunAttributeType.XorRelayedAddress];
        foreach (StunAttributeType type in types)
        {
            StunMessage m = TestHelpers.ParseOk(TestHelpers.Build((ref StunMessageWriter w) => w.AddXorAddress(type, address)));
            Assert.True(m.TryGetXorAddress(type, out StunAddress read), type.ToString());
            Assert.Equal(address, read);

            // The wire value really is XOR'ed: reading it as plain gives something else (unless all-zero XOR pad matches).
            Assert.True(StunAttributeReader.TryReadAddress(TestHelpers.Attribute(m, type), out StunAddress plain));
            Assert.NotEqual(address, plain);
        }
    }

    [Fact]
    public void Xor_address_needs_a_12_byte_transaction_id()
    {
        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build((ref StunMessageWriter w) =>
            w.AddXorAddress(StunAttributeType.XorPeerAddress, StunAddress.Parse("[::1]:1"))));
        ReadOnlySpan<byte> value = TestHelpers.Attribute(m, StunAttributeType.XorPeerAddress);
        Assert.False(StunAttributeReader.TryReadXorAddress(value, m.TransactionId[..11], out _));
        Assert.True(StunAttributeReader.TryReadXorAddress(value, m.TransactionId, out _));
    }

    [Fact]
    public void Address_readers_reject_bad_family_and_length()
    {
        Assert.False(StunAttributeReader.TryReadAddress(TestHelpers.Hex("0003 1234 01020304"), out _));
        Assert.False(StunAttributeReader.TryReadAddress(TestHelpers.Hex("0001 1234 010203"), out _));
        Assert.False(StunAttributeReader.TryReadAddress(TestHelpers.Hex("0001 1234 0102030405"), out _));
        Assert.False(StunAttributeReader.TryReadAddress(TestHelpers.Hex("0002 1234 01020304"), out _));
        Assert.True(StunAttributeReader.TryReadAddress(TestHelpers.Hex("ff01 1234 01020304"), out StunAddress ignoredFirstByte));
        Assert.Equal("1.2.3.4:4660", ignoredFirstByte.ToString());
    }

    [Fact]
    public void Username_realm_nonce_software()
    {
        string user = "ユーザー:1700000000", realm = "example.org", nonce = "obMatJos2AAAB3mTJ0L8IXsJ", software = "Coturn-4.6.2 'Gorst'";
        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build((ref StunMessageWriter w) =>
        {
            w.AddUsername(user);
            w.AddRealm(realm);
            w.AddNonce(nonce);
            w.AddSoftware(software);
        }));
        Assert.True(StunAttributeReader.TryReadUsername(TestHelpers.Attribute(m, StunAttributeType.Username), out ReadOnlySpan<byte> u));
        Assert.Equal(user, Encoding.UTF8.GetString(u));
        Assert.True(StunAttributeReader.TryReadRealm(TestHelpers.Attribute(m, StunAttributeType.Realm), out ReadOnlySpan<byte> r));
        Assert.Equal(realm, Encoding.UTF8.GetString(r));
        Assert.True(StunAttributeReader.TryReadNonce(TestHelpers.Attribute(m, StunAttributeType.Nonce), out ReadOnlySpan<byte> n));
        Assert.Equal(nonce, Encoding.UTF8.GetString(n));
        Assert.True(StunAttributeReader.TryReadSoftware(TestHelpers.Attribute(m, StunAttributeType.Software), out ReadOnlySpan<byte> s));
        Assert.Equal(software, Encoding.UTF8.GetString(s));

        Span<char> chars = stackalloc char[64];
        Assert.True(StunAttributeReader.TryReadString(TestHelpers.Attribute(m, StunAttributeType.Username), Stun.MaxUsernameBytes, chars, out int written));
        Assert.Equal(user, chars[..written].ToString());
    }

    [Fact]
    public void Text_limits_are_enforced_on_read_and_write()
    {
        string username513 = new('u', 513), username514 = new('u', 514);
        Assert.True(StunAttributeReader.TryReadUsername(Encoding.UTF8.GetBytes(username513), out _));
        Assert.False(StunAttributeReader.TryReadUsername(Encoding.UTF8.GetBytes(username514), out _));

        string chars127 = new('é', 127), chars128 = new('é', 128); // 254 / 256 bytes
        Assert.True(StunAttributeReader.TryReadRealm(Encoding.UTF8.GetBytes(chars127), out _));
        Assert.False(StunAttributeReader.TryReadRealm(Encoding.UTF8.GetBytes(chars128), out _));
        Assert.False(StunAttributeReader.TryReadNonce(Encoding.UTF8.GetBytes(chars128), out _));
        Assert.False(StunAttributeReader.TryReadSoftware(Encoding.UTF8.GetBytes(chars128), out _));
        Assert.True(StunAttributeReader.TryReadSoftware(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("😀", 127))), out _)); // 508 bytes
        Assert.False(StunAttributeReader.TryReadRealm([0xC3, 0x28], out _)); // invalid UTF-8
        Assert.False(StunAttributeReader.TryReadString([0xFF], 10, out _));

        var buffer = new byte[4096];
        Assert.Throws<ArgumentException>(() =>
        {
            var w = new StunMessageWriter(buffer);
            w.WriteHeader(StunMethod.Binding, StunClass.Request, TestHelpers.TransactionId);
            w.AddRealm(chars128);
        });
        Assert.Throws<ArgumentException>(() =>
        {
            var w = new StunMessageWriter(buffer);
            w.WriteHeader(StunMethod.Binding, StunClass.Request, TestHelpers.TransactionId);
            w.AddUsername(username514);
        });
    }

    [Theory]
    [InlineData(300, null, "Try Alternate")]
    [InlineData(400, null, "Bad Request")]
    [InlineData(401, null, "Unauthorized")]
    [InlineData(403, null, "Forbidden")]
    [InlineData(405, null, "Mobility Forbidden")]
    [InlineData(420, null, "Unknown Attribute")]
    [InlineData(437, null, "Allocation Mismatch")]
    [InlineData(438, null, "Stale Nonce")]
    [InlineData(440, null, "Address Family not Supported")]
    [InlineData(441, null, "Wrong Credentials")]
    [InlineData(442, null, "Unsupported Transport Protocol")]
    [InlineData(443, null, "Peer Address Family Mismatch")]
    [InlineData(446, null, "Connection Already Exists")]
    [InlineData(447, null, "Connection Timeout or Failure")]
    [InlineData(486, null, "Allocation Quota Reached")]
    [InlineData(500, null, "Server Error")]
    [InlineData(508, null, "Insufficient Capacity")]
    [InlineData(699, "Custom reason ✓", "Custom reason ✓")]
    [InlineData(599, "", "")]
    public void Error_code(int code, string? reason, string expectedReason)
    {
        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build(StunMethod.Allocate, StunClass.ErrorResponse,
            (ref StunMessageWriter w) => w.AddErrorCode(code, reason)));
        Assert.True(m.TryGetErrorCode(out int read, out ReadOnlySpan<byte> phrase));
        Assert.Equal(code, read);
        Assert.Equal(expectedReason, Encoding.UTF8.GetString(phrase));
        ReadOnlySpan<byte> value = TestHelpers.Attribute(m, StunAttributeType.ErrorCode);
        Assert.Equal(code / 100, value[2]);
        Assert.Equal(code % 100, value[3]);
        Assert.Equal(0, value[0]);
        Assert.Equal(0, value[1]);
    }

    [Fact]
    public void Error_code_rejects_out_of_range_values()
    {
        Assert.False(StunAttributeReader.TryReadErrorCode(TestHelpers.Hex("00000264"), out _, out _)); // class 2
        Assert.False(StunAttributeReader.TryReadErrorCode(TestHelpers.Hex("00000700"), out _, out _)); // class 7
        Assert.False(StunAttributeReader.TryReadErrorCode(TestHelpers.Hex("00000464"), out _, out _)); // number 100
        Assert.False(StunAttributeReader.TryReadErrorCode(TestHelpers.Hex("000004"), out _, out _));   // short
        Assert.True(StunAttributeReader.TryReadErrorCode(TestHelpers.Hex("fffffb01"), out int code, out _)); // reserved bits ignored
        Assert.Equal(301, code);
        var buffer = new byte[128];
        Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            var w = new StunMessageWriter(buffer);
            w.WriteHeader(StunMethod.Binding, StunClass.ErrorResponse, TestHelpers.TransactionId);
            w.AddErrorCode(299);
        });
    }

    [Theory]
    [InlineData(StunAddressFamily.IPv4, 440)]
    [InlineData(StunAddressFamily.IPv6, 508)]
    public void Address_error_code(StunAddressFamily family, int code)
    {
        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build(StunMethod.Allocate, StunClass.SuccessResponse,
            (ref StunMessageWriter w) => w.AddAddressErrorCode(family, code)));
        Assert.True(StunAttributeReader.TryReadAddressErrorCode(TestHelpers.Attribute(m, StunAttributeType.AddressErrorCode),
            out StunAddressFamily readFamily, out int readCode, out ReadOnlySpan<byte> reason));
        Assert.Equal(family, readFamily);
        Assert.Equal(code, readCode);
        Assert.Equal(StunErrorCode.DefaultReason(code), Encoding.UTF8.GetString(reason));
    }

    [Theory]
    [InlineData(new ushort[] { })]
    [InlineData(new ushort[] { 0x0031 })]
    [InlineData(new ushort[] { 0x0031, 0x7FFF, 0x0002 })]
    public void Unknown_attributes(ushort[] types)
    {
        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build(StunMethod.Binding, StunClass.ErrorResponse,
            (ref StunMessageWriter w) => w.AddUnknownAttributes(types)));
        ReadOnlySpan<byte> value = TestHelpers.Attribute(m, StunAttributeType.UnknownAttributes);
        Assert.Equal(types.Length, StunAttributeReader.GetUnknownAttributesCount(value));
        Span<ushort> read = stackalloc ushort[8];
        Assert.True(StunAttributeReader.TryReadUnknownAttributes(value, read, out int count));
        Assert.Equal(types, read[..count].ToArray());
        Assert.False(StunAttributeReader.TryReadUnknownAttributes(TestHelpers.Hex("000100"), read, out _));
        if (types.Length > 1)
        {
            Assert.False(StunAttributeReader.TryReadUnknownAttributes(value, read[..1], out _));
        }
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(600u)]
    [InlineData(uint.MaxValue)]
    public void Four_byte_numbers(uint number)
    {
        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build((ref StunMessageWriter w) =>
        {
            w.AddLifetime(number);
            w.AddConnectionId(number);
            w.AddPriority(number);
            w.AddUInt32(StunAttributeType.Bandwidth, number);
        }));
        Assert.True(StunAttributeReader.TryReadLifetime(TestHelpers.Attribute(m, StunAttributeType.Lifetime), out uint lifetime));
        Assert.True(StunAttributeReader.TryReadConnectionId(TestHelpers.Attribute(m, StunAttributeType.ConnectionId), out uint connectionId));
        Assert.True(StunAttributeReader.TryReadPriority(TestHelpers.Attribute(m, StunAttributeType.Priority), out uint priority));
        Assert.True(m.TryGetUInt32(StunAttributeType.Bandwidth, out uint bandwidth));
        Assert.Equal([number, number, number, number], new[] { lifetime, connectionId, priority, bandwidth });
        Assert.False(StunAttributeReader.TryReadUInt32([1, 2, 3], out _));
        Assert.False(StunAttributeReader.TryReadUInt32([1, 2, 3, 4, 5], out _));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(0x0123456789ABCDEFUL)]
    [InlineData(ulong.MaxValue)]
    public void Eight_byte_values(ulong number)
    {
        byte[] token = BitConverter.GetBytes(number ^ 0x5555);
        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build((ref StunMessageWriter w) =>
        {
            w.AddIceControlled(number);
            w.AddIceControlling(~number);
            w.AddReservationToken(token);
        }));
        Assert.True(StunAttributeReader.TryReadIceTieBreaker(TestHelpers.Attribute(m, StunAttributeType.IceControlled), out ulong controlled));
        Assert.True(StunAttributeReader.TryReadIceTieBreaker(TestHelpers.Attribute(m, StunAttributeType.IceControlling), out ulong controlling));
        Assert.True(StunAttributeReader.TryReadReservationToken(TestHelpers.Attribute(m, StunAttributeType.ReservationToken), out ReadOnlySpan<byte> readToken));
        Assert.Equal(number, controlled);
        Assert.Equal(~number, controlling);
        Assert.Equal(token, readToken.ToArray());

        StunMessage m2 = TestHelpers.ParseOk(TestHelpers.Build((ref StunMessageWriter w) => w.AddReservationToken(number)));
        Assert.True(StunAttributeReader.TryReadReservationToken(TestHelpers.Attribute(m2, StunAttributeType.ReservationToken), out ulong readNumber));
        Assert.Equal(number, readNumber);
        Assert.False(StunAttributeReader.TryReadReservationToken(new byte[7], out ReadOnlySpan<byte> _));
    }

    [Theory]
    [InlineData((ushort)0x4000)]
    [InlineData((ushort)0x4FFF)]
    [InlineData((ushort)0x7FFF)]
    public void Channel_number(ushort channel)
    {
        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build(StunMethod.ChannelBind, StunClass.Request,
            (ref StunMessageWriter w) => w.AddChannelNumber(channel)));
        ReadOnlySpan<byte> value = TestHelpers.Attribute(m, StunAttributeType.ChannelNumber);
        Assert.Equal(4, value.Length);
        Assert.True(StunAttributeReader.TryReadChannelNumber(value, out ushort read));
        Assert.Equal(channel, read);
        Assert.Equal(channel <= 0x4FFF, ChannelData.IsValidChannelNumber(read));
    }

    [Theory]
    [InlineData(TransportProtocol.Udp)]
    [InlineData(TransportProtocol.Tcp)]
    public void Requested_transport(byte protocol)
    {
        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build((ref StunMessageWriter w) => w.AddRequestedTransport(protocol)));
        ReadOnlySpan<byte> value = TestHelpers.Attribute(m, StunAttributeType.RequestedTransport);
        Assert.Equal([protocol, 0, 0, 0], value.ToArray());
        Assert.True(StunAttributeReader.TryReadRequestedTransport(value, out byte read));
        Assert.Equal(protocol, read);
    }

    [Theory]
    [InlineData(StunAddressFamily.IPv4)]
    [InlineData(StunAddressFamily.IPv6)]
    public void Requested_and_additional_address_family(StunAddressFamily family)
    {
        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build((ref StunMessageWriter w) =>
        {
            w.AddRequestedAddressFamily(family);
            w.AddAdditionalAddressFamily(family);
        }));
        Assert.True(StunAttributeReader.TryReadAddressFamily(TestHelpers.Attribute(m, StunAttributeType.RequestedAddressFamily), out StunAddressFamily requested));
        Assert.True(StunAttributeReader.TryReadAddressFamily(TestHelpers.Attribute(m, StunAttributeType.AdditionalAddressFamily), out StunAddressFamily additional));
        Assert.Equal(family, requested);
        Assert.Equal(family, additional);
        Assert.True(StunAttributeReader.TryReadAddressFamily([0x07, 0, 0, 0], out StunAddressFamily undefined));
        Assert.Equal((StunAddressFamily)7, undefined);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Even_port(bool reserve)
    {
        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build((ref StunMessageWriter w) => w.AddEvenPort(reserve)));
        ReadOnlySpan<byte> value = TestHelpers.Attribute(m, StunAttributeType.EvenPort);
        Assert.Equal(1, value.Length);
        Assert.Equal(28, m.Raw.Length); // 20 + 4 + 1 + 3 padding
        Assert.True(StunAttributeReader.TryReadEvenPort(value, out bool read));
        Assert.Equal(reserve, read);
        Assert.False(StunAttributeReader.TryReadEvenPort([0x80, 0, 0, 0], out _));
    }

    [Fact]
    public void Flags_data_padding_and_opaque_values()
    {
        byte[] data = [.. Enumerable.Range(0, 1001).Select(i => (byte)i)];
        byte[] ticket = [9, 8, 7, 6, 5];
        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build((ref StunMessageWriter w) =>
        {
            w.AddDontFragment();
            w.AddUseCandidate();
            w.AddData(data);
            w.AddPadding(13);
            w.AddMobilityTicket(ticket);
        }));
        Assert.True(StunAttributeReader.TryReadFlag(TestHelpers.Attribute(m, StunAttributeType.DontFragment)));
        Assert.True(StunAttributeReader.TryReadFlag(TestHelpers.Attribute(m, StunAttributeType.UseCandidate)));
        Assert.True(StunAttributeReader.TryReadOpaque(TestHelpers.Attribute(m, StunAttributeType.Data), out ReadOnlySpan<byte> readData));
        Assert.Equal(data, readData.ToArray());
        Assert.Equal(new byte[13], TestHelpers.Attribute(m, StunAttributeType.Padding).ToArray());
        Assert.Equal(ticket, TestHelpers.Attribute(m, StunAttributeType.MobilityTicket).ToArray());
        Assert.False(StunAttributeReader.TryReadFlag([0]));

        // DATA written in place.
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer);
        writer.WriteHeader(StunMethod.Data, StunClass.Indication, TestHelpers.TransactionId);
        Assert.True(writer.TryReserveAttribute(StunAttributeType.Data, 5, out Span<byte> slot));
        "hello"u8.CopyTo(slot);
        StunMessage indication = TestHelpers.ParseOk(writer.Written);
        Assert.Equal("hello"u8.ToArray(), TestHelpers.Attribute(indication, StunAttributeType.Data).ToArray());
        Assert.Equal(0, buffer[20 + 4 + 5]); // zero padding
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Change_request_and_response_port(bool changeIp, bool changePort)
    {
        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build(StunMethod.Binding, StunClass.Request, (ref StunMessageWriter w) =>
        {
            w.AddChangeRequest(changeIp, changePort);
            w.AddResponsePort(54321);
        }));
        ReadOnlySpan<byte> value = TestHelpers.Attribute(m, StunAttributeType.ChangeRequest);
        Assert.Equal((changeIp ? 4 : 0) | (changePort ? 2 : 0), value[3]);
        Assert.True(StunAttributeReader.TryReadChangeRequest(value, out bool ip, out bool port));
        Assert.Equal((changeIp, changePort), (ip, port));
        Assert.True(StunAttributeReader.TryReadResponsePort(TestHelpers.Attribute(m, StunAttributeType.ResponsePort), out ushort responsePort));
        Assert.Equal(54321, responsePort);
    }

    [Fact]
    public void Origin_third_party_authorization_alternate_domain()
    {
        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build((ref StunMessageWriter w) =>
        {
            w.AddOrigin("https://example.com:443");
            w.AddThirdPartyAuthorization("auth.example.org");
            w.AddAlternateDomain("turn2.example.org");
        }));
        Assert.True(StunAttributeReader.TryReadOrigin(TestHelpers.Attribute(m, StunAttributeType.Origin), out ReadOnlySpan<byte> origin));
        Assert.Equal("https://example.com:443", Encoding.UTF8.GetString(origin));
        Assert.True(StunAttributeReader.TryReadThirdPartyAuthorization(TestHelpers.Attribute(m, StunAttributeType.ThirdPartyAuthorization), out ReadOnlySpan<byte> server));
        Assert.Equal("auth.example.org", Encoding.UTF8.GetString(server));
        Assert.True(StunAttributeReader.TryReadAlternateDomain(TestHelpers.Attribute(m, StunAttributeType.AlternateDomain), out ReadOnlySpan<byte> domain));
        Assert.Equal("turn2.example.org", Encoding.ASCII.GetString(domain));
        Assert.False(StunAttributeReader.TryReadAlternateDomain("bad domain"u8, out _));
        Assert.False(StunAttributeReader.TryReadAlternateDomain(new byte[256].AsSpan().ToArray().Select(_ => (byte)'a').ToArray(), out _));
    }

    [Fact]
    public void Access_token_and_its_plaintext()
    {
        byte[] nonce = [.. Enumerable.Range(1, 12).Select(i => (byte)i)];
        byte[] encrypted = [.. Enumerable.Range(100, 60).Select(i => (byte)i)];
        var tokenBuffer = new byte[128];
        Assert.True(OAuthAccessToken.TryWriteToken(tokenBuffer, nonce, encrypted, out int tokenLength));
        byte[] token = tokenBuffer[..tokenLength];

        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build((ref StunMessageWriter w) => w.AddAccessToken(token)));
        Assert.True(StunAttributeReader.TryReadAccessToken(TestHelpers.Attribute(m, StunAttributeType.AccessToken), out ReadOnlySpan<byte> readNonce, out ReadOnlySpan<byte> readBlock));
        Assert.Equal(nonce, readNonce.ToArray());
        Assert.Equal(encrypted, readBlock.ToArray());
        Assert.False(StunAttributeReader.TryReadAccessToken([0, 5, 1, 2], out _, out _));

        byte[] macKey = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 3))];
        var when = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero).AddMilliseconds(500);
        ulong timestamp = OAuthAccessToken.ToTimestamp(when);
        Assert.Equal(32000UL, timestamp & 0xFFFF); // half a second = 32000/64000
        var plain = new byte[64];
        Assert.True(OAuthAccessToken.TryWritePlaintext(plain, macKey, timestamp, 3600, out int plainLength));
        Assert.True(OAuthAccessToken.TryReadPlaintext(plain.AsSpan(0, plainLength), out ReadOnlySpan<byte> readKey, out ulong readTimestamp, out uint lifetime));
        Assert.Equal(macKey, readKey.ToArray());
        Assert.Equal(timestamp, readTimestamp);
        Assert.Equal(3600u, lifetime);
        Assert.Equal(when, OAuthAccessToken.FromTimestamp(readTimestamp));
        Assert.False(OAuthAccessToken.TryReadPlaintext(plain.AsSpan(0, plainLength - 1), out _, out _, out _));
    }

    [Fact]
    public void User_hash_password_algorithms_and_integrity_values()
    {
        byte[] hash = StunKeys.UserHash("user", "realm");
        StunPasswordAlgorithm[] algorithms = [StunPasswordAlgorithm.Sha256, StunPasswordAlgorithm.Md5];
        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build((ref StunMessageWriter w) =>
        {
            w.AddUserHash(hash);
            w.AddPasswordAlgorithms(algorithms);
            w.AddPasswordAlgorithm(StunPasswordAlgorithm.Sha256);
            w.AddMessageIntegrity([1, 2, 3]);
            w.AddMessageIntegritySha256([1, 2, 3], 20);
            w.AddFingerprint();
        }));
        Assert.True(StunAttributeReader.TryReadUserHash(TestHelpers.Attribute(m, StunAttributeType.UserHash), out ReadOnlySpan<byte> readHash));
        Assert.Equal(hash, readHash.ToArray());

        ReadOnlySpan<byte> list = TestHelpers.Attribute(m, StunAttributeType.PasswordAlgorithms);
        Span<StunPasswordAlgorithm> read = stackalloc StunPasswordAlgorithm[4];
        Assert.True(StunAttributeReader.TryReadPasswordAlgorithms(list, read, out int count));
        Assert.Equal(algorithms, read[..count].ToArray());
        Assert.True(StunAttributeReader.PasswordAlgorithmsContains(list, StunPasswordAlgorithm.Md5));
        Assert.False(StunAttributeReader.PasswordAlgorithmsContains(list, (StunPasswordAlgorithm)7));

        Assert.True(StunAttributeReader.TryReadPasswordAlgorithm(TestHelpers.Attribute(m, StunAttributeType.PasswordAlgorithm), out StunPasswordAlgorithm algorithm, out _));
        Assert.Equal(StunPasswordAlgorithm.Sha256, algorithm);
        Assert.True(StunAttributeReader.TryReadMessageIntegrity(TestHelpers.Attribute(m, StunAttributeType.MessageIntegrity), out ReadOnlySpan<byte> mi));
        Assert.Equal(20, mi.Length);
        Assert.True(StunAttributeReader.TryReadMessageIntegritySha256(TestHelpers.Attribute(m, StunAttributeType.MessageIntegritySha256), out ReadOnlySpan<byte> mi256));
        Assert.Equal(20, mi256.Length);
        Assert.True(StunAttributeReader.TryReadFingerprint(TestHelpers.Attribute(m, StunAttributeType.Fingerprint), out uint fingerprint));
        Assert.Equal(StunIntegrity.ComputeFingerprint(m.Raw[..m.FingerprintOffset]), fingerprint);
        Assert.True(StunIntegrity.VerifyMessageIntegrity(m, [1, 2, 3]));
        Assert.True(StunIntegrity.VerifyMessageIntegritySha256(m, [1, 2, 3]));
        Assert.True(StunIntegrity.VerifyFingerprint(m));
    }

    [Fact]
    public void Password_algorithm_with_parameters_and_malformed_lists()
    {
        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build((ref StunMessageWriter w) =>
            w.AddPasswordAlgorithm((StunPasswordAlgorithm)0x7777, [0xAA, 0xBB, 0xCC])));
        ReadOnlySpan<byte> value = TestHelpers.Attribute(m, StunAttributeType.PasswordAlgorithm);
        Assert.Equal(8, value.Length);
        Assert.True(StunAttributeReader.TryReadPasswordAlgorithm(value, out StunPasswordAlgorithm algorithm, out ReadOnlySpan<byte> parameters));
        Assert.Equal((StunPasswordAlgorithm)0x7777, algorithm);
        Assert.Equal([0xAA, 0xBB, 0xCC], parameters.ToArray());

        Span<StunPasswordAlgorithm> read = stackalloc StunPasswordAlgorithm[4];
        Assert.True(StunAttributeReader.TryReadPasswordAlgorithms(TestHelpers.Hex("7fff0003 aabbcc00 00020000"), read, out int count));
        Assert.Equal([(StunPasswordAlgorithm)0x7FFF, StunPasswordAlgorithm.Sha256], read[..count].ToArray());
        Assert.False(StunAttributeReader.TryReadPasswordAlgorithms(TestHelpers.Hex("0002ffff 0000"), read, out _));
        Assert.False(StunAttributeReader.TryReadPasswordAlgorithms(TestHelpers.Hex("000200"), read, out _));
        Assert.False(StunAttributeReader.TryReadPasswordAlgorithm(TestHelpers.Hex("00020005 0000"), out _, out _));
    }

    [Fact]
    public void Icmp()
    {
        StunMessage m = TestHelpers.ParseOk(TestHelpers.Build(StunMethod.Data, StunClass.Indication,
            (ref StunMessageWriter w) => w.AddIcmp(3, 4, 1400)));
        Assert.True(StunAttributeReader.TryReadIcmp(TestHelpers.Attribute(m, StunAttributeType.Icmp), out byte type, out byte code, out uint data));
        Assert.Equal((3, 4, 1400u), (type, code, data));
    }

    [Fact]
    public void All_kinds_in_one_message_enumerate_in_order()
    {
        byte[] bytes = TestHelpers.Build((ref StunMessageWriter w) =>
        {
            w.AddRequestedTransport(TransportProtocol.Udp);
            w.AddLifetime(600);
            w.AddEvenPort(true);
            w.AddDontFragment();
            w.AddUsername("user");
            w.AddRealm("realm");
            w.AddNonce("nonce");
            w.AddSoftware("sw");
            w.AddMessageIntegrity([7]);
            w.AddFingerprint();
        });
        StunMessage m = TestHelpers.ParseOk(bytes);
        var types = new List<StunAttributeType>();
        foreach (StunAttribute a in m.GetAttributes())
        {
            types.Add(a.KnownType);
            Assert.True(a.IsKnown);
            Assert.True(a.Offset + 4 + a.Value.Length <= m.Raw.Length);
        }

        Assert.Equal(
        [
            StunAttributeType.RequestedTransport, StunAttributeType.Lifetime, StunAttributeType.EvenPort, StunAttributeType.DontFragment,
            StunAttributeType.Username, StunAttributeType.Realm, StunAttributeType.Nonce, StunAttributeType.Software,
            StunAttributeType.MessageIntegrity, StunAttributeType.Fingerprint,
        ], types);
    }
}
