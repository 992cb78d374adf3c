using System.Net;
using System.Net.Sockets;
using Turn.Client.Turn;
using Turn.Protocol;

namespace Turn.Client.Tests.Turn;

[CollectionDefinition(Name)]
public sealed class CoturnRelayCollection : ICollectionFixture<CoturnFixture>
{
    public const string Name = "coturn relay";
}

[CollectionDefinition(Name)]
public sealed class OurRelayCollection : ICollectionFixture<OurServerFixture>
{
    public const string Name = "our relay";
}

/// <summary>The TURN client library without a server: credentials and message encoding.</summary>
public sealed class TurnMessageTests
{
    [Fact]
    public void RestCredentialsAreTimestampUserAndHmacSha1()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        TurnCredentials c = TurnCredentials.FromRestSecret("logen", "bob", ':', TimeSpan.FromDays(1), now);
        Assert.Equal("1700086400:bob", c.Username);
        Assert.Equal("En5V/oJLvGf4G435NT86uB7ympM=", c.Password);

        TurnCredentials anonymous = TurnCredentials.FromRestSecret("north", null, ':', TimeSpan.FromDays(1), now);
        Assert.Equal("1700086400", anonymous.Username);
        Assert.Equal("K+RlgFj3QLvB7WAVHfjfgMgyBeA=", anonymous.Password);

        Assert.Equal("1700086400#bob", TurnCredentials.FromRestSecret("logen", "bob", '#', TimeSpan.FromDays(1), now).Username);
        Assert.DoesNotContain("En5V", c.ToString());
    }

    [Fact]
    public void SignedChannelBindVerifiesWithTheLongTermKey()
    {
        var auth = new TurnAuthenticator(new TurnCredentials("bob", "secret"));
        auth.SetChallenge("example.org", "abcdef");
        byte[] id = new byte[12];
        TurnMessages.NewTransactionId(id);
        byte[] buffer = new byte[512];
        var peer = StunAddress.Parse("192.0.2.7:3480");
        int length = TurnMessages.WriteChannelBind(buffer, id, 0x4001, peer, auth);

        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(buffer.AsSpan(0, length), out StunMessage m));
        Assert.Equal(StunMethod.ChannelBind, m.Method);
        Assert.True(m.TryGetXorAddress(StunAttributeType.XorPeerAddress, out StunAddress p));
        Assert.Equal(peer, p);
        Assert.True(StunIntegrity.VerifyMessageIntegrity(m, StunKeys.LongTermMd5("bob", "example.org", "secret")));
        Assert.True(StunIntegrity.VerifyFingerprint(m));
    }

    [Fact]
    public void AllocateCarriesTheRequestedOptions()
    {
        byte[] buffer = new byte[512];
        var options = new TurnAllocateOptions
        {
            Lifetime = 777,
            Dual = true,
            DualEncoding = TurnDualAllocationEncoding.CoturnLegacy,
            EvenPort = true,
            DontFragment = true,
            Bandwidth = 128_000,
        };
        int length = TurnMessages.WriteAllocate(buffer, new byte[12], options, auth: null);
        StunMessage.TryParse(buffer.AsSpan(0, length), out StunMessage m);
        Assert.True(m.TryGetUInt32(StunAttributeType.Lifetime, out uint lifetime) && lifetime == 777);
        Assert.True(m.TryGetAttribute(StunAttributeType.LegacyAdditionalAddressFamily, out ReadOnlySpan<byte> family) && family[0] == 2);
        Assert.True(m.TryGetAttribute(StunAttributeType.EvenPort, out ReadOnlySpan<byte> even) && even[0] == 0x80);
        Assert.True(m.HasAttribute(StunAttributeType.DontFragment));
        Assert.True(m.TryGetUInt32((StunAttributeType)TurnMessages.BandwidthAttribute, out uint bw) && bw == 1000);
        Assert.False(m.HasMessageIntegrity);

        length = TurnMessages.WriteAllocate(buffer, new byte[12], new TurnAllocateOptions { ReservationToken = 42, RequestedFamily = StunAddressFamily.IPv6 }, null);
        StunMessage.TryParse(buffer.AsSpan(0, length), out m);
        Assert.True(m.HasAttribute(StunAttributeType.ReservationToken));
        Assert.False(m.HasAttribute(StunAttributeType.RequestedAddressFamily)); // excluded by the token (RFC 8656 §7.2)
    }

    [Fact]
    public void ReadsChannelDataAndDataIndications()
    {
        byte[] buffer = new byte[256];
        ChannelData.TryWrite(buffer, 0x4abc, "hello"u8, pad: true, out int length);
        Assert.Equal(TurnDataKind.ChannelData, TurnMessages.TryReadData(buffer.AsSpan(0, length), out ushort channel, out _, out ReadOnlySpan<byte> data));
        Assert.Equal(0x4abc, channel);
        Assert.Equal("hello"u8.ToArray(), data.ToArray());

        var w = new StunMessageWriter(buffer);
        w.WriteHeader(StunMethod.Data, StunClass.Indication, new byte[12]);
        var peer = StunAddress.Parse("[2001:db8::1]:9");
        w.AddXorAddress(StunAttributeType.XorPeerAddress, peer);
        w.AddData("world"u8);
        Assert.Equal(TurnDataKind.DataIndication, TurnMessages.TryReadData(w.Written, out _, out StunAddress from, out data));
        Assert.Equal(peer, from);
        Assert.Equal("world"u8.ToArray(), data.ToArray());

        Assert.Equal(TurnDataKind.None, TurnMessages.TryReadData("garbage"u8, out _, out _, out _));
    }
}

/// <summary>The TURN client library against a real server and our echo peer.</summary>
public abstract class TurnClientLiveTests<TFixture>(TFixture relay)
    where TFixture : RelayFixture
{
    private static readonly StunClientOptions Timing = new() { InitialRto = TimeSpan.FromMilliseconds(200), Timeout = TimeSpan.FromSeconds(5) };

    protected TFixture Relay { get; } = relay;

    private StunAddress Peer => StunAddress.Parse($"127.0.0.1:{Relay.PeerPort}");

    [Fact]
    public async Task AllocateBindSendAndReceiveAsync()
    {
        using var client = new TurnClient(Relay.Server, new TurnCredentials(RelayFixture.User, RelayFixture.Password), timing: Timing);
        TurnAllocation allocation = await client.AllocateAsync(new TurnAllocateOptions { Lifetime = 1200 });
        Assert.True(allocation.Relayed[0].IsIPv4);
        Assert.Equal(1200u, allocation.Lifetime);
        Assert.Equal(RelayFixture.Realm, client.Authenticator.Realm);
        Assert.Equal(client.LocalEndPoint!.Port, allocation.Mapped!.Value.Port);

        await client.ChannelBindAsync(0x4123, Peer);
        client.SendChannelData(0x4123, "over a channel"u8);
        byte[] buffer = new byte[2048];
        int n = await client.ReceiveAsync(buffer, TimeSpan.FromSeconds(5));
        Assert.True(n > 0, "no echo");
        Assert.Equal(TurnDataKind.ChannelData, TurnMessages.TryReadData(buffer.AsSpan(0, n), out ushort channel, out _, out ReadOnlySpan<byte> data));
        Assert.Equal(0x4123, channel);
        Assert.Equal("over a channel"u8.ToArray(), data.ToArray());

        Assert.Equal(0u, await client.RefreshAsync(0));
    }

    [Fact]
    public void PermissionAndIndicationsSynchronously()
    {
        using var client = new TurnClient(Relay.Server, new TurnCredentials(RelayFixture.User, RelayFixture.Password), timing: Timing);
        client.Allocate();
        client.CreatePermission([Peer]);
        client.SendIndication(Peer, "in an indication"u8);
        byte[] buffer = new byte[2048];
        int n = client.Receive(buffer, TimeSpan.FromSeconds(5));
        Assert.True(n > 0, "no echo");
        Assert.Equal(TurnDataKind.DataIndication, TurnMessages.TryReadData(buffer.AsSpan(0, n), out _, out StunAddress from, out ReadOnlySpan<byte> data));
        Assert.Equal(Peer, from);
        Assert.Equal("in an indication"u8.ToArray(), data.ToArray());
        client.Deallocate();
        Assert.Null(client.Allocation);
    }

    [Fact]
    public async Task RestCredentialsAllocate()
    {
        using var client = new TurnClient(Relay.RestServer, TurnCredentials.FromRestSecret(RelayFixture.RestSecret, "bob"), timing: Timing);
        TurnAllocation allocation = await client.AllocateAsync();
        Assert.NotEmpty(allocation.Relayed);
        await client.RefreshAsync(0);
    }

    [Fact]
    public async Task WrongPasswordIsA401()
    {
        using var client = new TurnClient(Relay.Server, new TurnCredentials(RelayFixture.User, "wrong"), timing: Timing);
        TurnErrorException e = await Assert.ThrowsAsync<TurnErrorException>(() => client.AllocateAsync());
        Assert.Equal(StunErrorCode.Unauthorized, e.Code);
        Assert.Equal(StunMethod.Allocate, e.Method);
    }

    [Fact]
    public async Task SecondAllocationOnTheSameFiveTupleIs437()
    {
        using var client = new TurnClient(Relay.Server, new TurnCredentials(RelayFixture.User, RelayFixture.Password), timing: Timing);
        await client.AllocateAsync();
        TurnErrorException e = await Assert.ThrowsAsync<TurnErrorException>(() => client.AllocateAsync());
        Assert.Equal(StunErrorCode.AllocationMismatch, e.Code);
        client.Deallocate();
    }

    [Fact]
    public async Task DualAllocationGetsBothFamilies()
    {
        using var client = new TurnClient(Relay.Server, new TurnCredentials(RelayFixture.User, RelayFixture.Password), timing: Timing);
        TurnAllocation a = await client.AllocateAsync(new TurnAllocateOptions { Dual = true, DualEncoding = TurnDualAllocationEncoding.CoturnLegacy });
        Assert.NotNull(a.GetRelayed(AddressFamily.InterNetwork));
        Assert.NotNull(a.GetRelayed(AddressFamily.InterNetworkV6));
        await client.RefreshAsync(0);
    }
}

[Collection(CoturnRelayCollection.Name)]
public sealed class TurnClientAgainstCoturnTests(CoturnFixture relay) : TurnClientLiveTests<CoturnFixture>(relay)
{
    [Fact]
    public async Task OverTcp()
    {
        using var client = new TurnClient(Relay.Server, new TurnCredentials(RelayFixture.User, RelayFixture.Password), StunTransport.Tcp);
        await client.AllocateAsync();
        var peer = StunAddress.Parse($"127.0.0.1:{Relay.PeerPort}");
        await client.ChannelBindAsync(0x4001, peer);
        client.SendChannelData(0x4001, "tcp"u8);   // padded to 4 on a stream
        byte[] buffer = new byte[256];
        int n = await client.ReceiveAsync(buffer, TimeSpan.FromSeconds(5));
        Assert.Equal(TurnDataKind.ChannelData, TurnMessages.TryReadData(buffer.AsSpan(0, n), out _, out _, out ReadOnlySpan<byte> data));
        Assert.Equal("tcp"u8.ToArray(), data.ToArray());
    }
}

[Collection(OurRelayCollection.Name)]
public sealed class TurnClientAgainstOurServerTests(OurServerFixture relay) : TurnClientLiveTests<OurServerFixture>(relay);

/// <summary>The TURN client's transactions when the server does not answer.</summary>
public sealed class TurnClientTransportTests
{
    [Fact]
    public async Task SilentServerTimesOut()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var client = new TurnClient((IPEndPoint)silent.LocalEndPoint!, null,
            timing: new StunClientOptions { InitialRto = TimeSpan.FromMilliseconds(50), MaxTransmissions = 2, FinalWaitMultiplier = 2 });
        StunTimeoutException e = await Assert.ThrowsAsync<StunTimeoutException>(() => client.AllocateAsync());
        Assert.Equal(2, e.Transmissions);
        Assert.Throws<StunTimeoutException>(() => client.Allocate());
    }

    [Fact]
    public void ClosedPortFailsFast()
    {
        int port = FreePorts.Find(1);
        using var client = new TurnClient(new IPEndPoint(IPAddress.Loopback, port), null, timing: new StunClientOptions { InitialRto = TimeSpan.FromMilliseconds(200), Timeout = TimeSpan.FromSeconds(5) });
        SocketException e = Assert.Throws<SocketException>(() => client.Allocate());
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }
}
