using System.Buffers.Binary;
using Turn.Protocol;
using Turn.Server.Engine;

namespace Turn.Server.Tests.Engine;

public sealed class AllocateTests
{
    [Fact]
    public void UnauthenticatedAllocateGets401WithRealmNonceAndPasswordAlgorithms()
    {
        var h = new EngineHarness();
        var c = new TestClient(h);
        byte[]? r = h.Send(c.Build(StunMethod.Allocate, b => b.RequestedTransport(17), sign: false));
        Assert.NotNull(r);
        Assert.Equal(401, EngineHarness.ErrorCodeOf(r));
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(r, out StunMessage m));
        Assert.True(m.TryGetAttribute(StunAttributeType.Realm, out ReadOnlySpan<byte> realm));
        Assert.Equal(EngineHarness.Realm, System.Text.Encoding.UTF8.GetString(realm));
        Assert.True(m.TryGetAttribute(StunAttributeType.Nonce, out ReadOnlySpan<byte> nonce));
        Assert.StartsWith("obMatJos2", System.Text.Encoding.ASCII.GetString(nonce));
        Assert.True(m.HasAttribute(StunAttributeType.PasswordAlgorithms));
        Assert.Equal(0, h.Engine.AllocationCount);
        Assert.Empty(h.Io.OpenRelays);
    }

    [Fact]
    public void AuthenticatedAllocateGetsRelayLifetimeMappedAddressAndIntegrity()
    {
        var h = new EngineHarness();
        var c = new TestClient(h);
        byte[] r = c.Request(StunMethod.Allocate, b => b.RequestedTransport(17).Lifetime(1200));
        Assert.Equal(0, EngineHarness.ErrorCodeOf(r));
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(r, out StunMessage m));
        Assert.True(m.TryGetXorAddress(StunAttributeType.XorRelayedAddress, out StunAddress relay));
        Assert.True(relay.EqualsAddress(EngineHarness.ServerAddress));
        Assert.InRange(relay.Port, 50000, 50099);
        Assert.True(m.TryGetXorAddress(StunAttributeType.XorMappedAddress, out StunAddress mapped));
        Assert.Equal(EngineHarness.ClientAddress, mapped);
        Assert.True(m.TryGetUInt32(StunAttributeType.Lifetime, out uint lifetime));
        Assert.Equal(1200u, lifetime);
        Assert.True(StunIntegrity.VerifyMessageIntegrity(m, StunKeys.LongTermMd5("bob", EngineHarness.Realm, "secret")));
        Assert.Single(h.Io.OpenRelays);
    }

    [Fact]
    public void LifetimeIsCappedAtTheMaximumAndDefaultsWhenAbsent()
    {
        var h = new EngineHarness(o => o with { MaxAllocateLifetimeSeconds = 900 });
        byte[] r = new TestClient(h).Request(StunMethod.Allocate, b => b.RequestedTransport(17).Lifetime(99999));
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(r, out StunMessage m));
        Assert.True(m.TryGetUInt32(StunAttributeType.Lifetime, out uint capped));
        Assert.Equal(900u, capped);
        var h2 = new EngineHarness();
        byte[] r2 = new TestClient(h2).Request(StunMethod.Allocate, b => b.RequestedTransport(17));
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(r2, out StunMessage m2));
        Assert.True(m2.TryGetUInt32(StunAttributeType.Lifetime, out uint dflt));
        Assert.Equal(600u, dflt);
    }

    [Fact]
    public void WrongPasswordGets401AndCreatesNothing()
    {
        var h = new EngineHarness();
        byte[] r = new TestClient(h, password: "wrong").Request(StunMethod.Allocate, b => b.RequestedTransport(17));
        Assert.Equal(401, EngineHarness.ErrorCodeOf(r));
        Assert.Equal(0, h.Engine.AllocationCount);
        Assert.Empty(h.Io.OpenRelays);
    }

    [Fact]
    public void UnknownUserGets401()
    {
        var h = new EngineHarness();
        Assert.Equal(401, EngineHarness.ErrorCodeOf(new TestClient(h, user: "mallory").Request(StunMethod.Allocate, b => b.RequestedTransport(17))));
    }

    [Fact]
    public void StaleNonceGets438AndTheClientRecovers()
    {
        var h = new EngineHarness(o => o with { NonceLifetimeSeconds = 60 });
        var c = new TestClient(h);
        c.Allocate();
        h.Advance(TimeSpan.FromSeconds(120));
        // The client's stored nonce is now stale: the first Refresh gets 438, the retry succeeds.
        byte[] first = h.Send(c.Build(StunMethod.Refresh, b => b.Lifetime(600), sign: true))!;
        Assert.Equal(438, EngineHarness.ErrorCodeOf(first));
        Assert.Equal(0, EngineHarness.ErrorCodeOf(c.Request(StunMethod.Refresh, b => b.Lifetime(600))));
    }

    [Fact]
    public void RestApiUsernamesAuthenticateUntilTheyExpire()
    {
        var h = new EngineHarness(restSecrets: ["north", "logen"]);
        string user = $"{h.UnixNow + 3600}:alice";
        string password = Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData("logen"u8, System.Text.Encoding.UTF8.GetBytes(user)));
        Assert.Equal(0, EngineHarness.ErrorCodeOf(new TestClient(h, user, password).Request(StunMethod.Allocate, b => b.RequestedTransport(17))));

        string expired = $"{h.UnixNow - 1}:alice";
        string expiredPassword = Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData("logen"u8, System.Text.Encoding.UTF8.GetBytes(expired)));
        var other = StunAddress.Parse("198.51.100.8:40001");
        Assert.Equal(401, EngineHarness.ErrorCodeOf(new TestClient(h, expired, expiredPassword, other).Request(StunMethod.Allocate, b => b.RequestedTransport(17))));
    }

    [Fact]
    public void RetransmittedAllocateGetsTheSameAnswerAndNoSecondAllocation()
    {
        var h = new EngineHarness();
        var c = new TestClient(h);
        byte[] first = c.Request(StunMethod.Allocate, b => b.RequestedTransport(17));
        byte[] again = h.Send(c.Build(StunMethod.Allocate, b => b.RequestedTransport(17), sign: true, transactionId: c.LastTransactionId))!;
        Assert.Equal(first, again);
        Assert.Single(h.Io.OpenRelays);
        byte[] other = c.Request(StunMethod.Allocate, b => b.RequestedTransport(17));
        Assert.Equal(437, EngineHarness.ErrorCodeOf(other));
    }

    [Theory]
    [InlineData(6, 400)]   // TCP relay over UDP: RFC 6062 §5.1 (and coturn) say 400
    [InlineData(1, 442)]
    public void UnsupportedTransportGets442(byte protocol, int expected)
    {
        var h = new EngineHarness();
        Assert.Equal(expected, EngineHarness.ErrorCodeOf(new TestClient(h).Request(StunMethod.Allocate, b => b.RequestedTransport(protocol))));
    }

    [Fact]
    public void MissingRequestedTransportGets400()
    {
        var h = new EngineHarness();
        Assert.Equal(400, EngineHarness.ErrorCodeOf(new TestClient(h).Request(StunMethod.Allocate)));
    }

    [Fact]
    public void UserQuotaGets486()
    {
        var h = new EngineHarness(userQuota: 1);
        new TestClient(h).Allocate();
        var second = new TestClient(h, address: StunAddress.Parse("198.51.100.7:40001"));
        Assert.Equal(486, EngineHarness.ErrorCodeOf(second.Request(StunMethod.Allocate, b => b.RequestedTransport(17))));
        var alice = new TestClient(h, "alice", "wonderland", StunAddress.Parse("198.51.100.7:40002"));
        alice.Allocate();
    }

    [Fact]
    public void TotalQuotaGets486()
    {
        var h = new EngineHarness(totalQuota: 1);
        new TestClient(h).Allocate();
        var alice = new TestClient(h, "alice", "wonderland", StunAddress.Parse("198.51.100.7:40002"));
        Assert.Equal(486, EngineHarness.ErrorCodeOf(alice.Request(StunMethod.Allocate, b => b.RequestedTransport(17))));
    }

    [Fact]
    public void BpsCapacityIsReservedPerSessionAndGivenBack()
    {
        // Each session reserves its max-bps (1000) of the 2500 total: two full shares, a third of what
        // is left (500), then 486; deleting an allocation returns its share.
        var h = new EngineHarness(o => o with { MaxBps = 1000 }, bpsCapacity: 2500);
        var clients = Enumerable.Range(0, 4)
            .Select(i => new TestClient(h, address: StunAddress.Parse($"198.51.100.7:{40010 + i}")))
            .ToArray();
        clients[0].Allocate();
        clients[1].Allocate();
        clients[2].Allocate();
        Assert.Equal(2500, h.Services.Bandwidth.Reserved);
        Assert.Equal(486, EngineHarness.ErrorCodeOf(clients[3].Request(StunMethod.Allocate, b => b.RequestedTransport(17))));
        Assert.Equal(3, h.Quotas.Total);

        clients[2].Request(StunMethod.Refresh, b => b.Lifetime(0));
        Assert.Equal(2000, h.Services.Bandwidth.Reserved);
        clients[3].Allocate();
        Assert.Equal(2500, h.Services.Bandwidth.Reserved);
    }

    [Fact]
    public void BpsCapacityWithoutMaxBpsLimitsNothing()
    {
        // As coturn: only sessions with a bandwidth limit reserve from the capacity.
        var h = new EngineHarness(bpsCapacity: 1);
        new TestClient(h).Allocate();
        new TestClient(h, address: StunAddress.Parse("198.51.100.7:40020")).Allocate();
        Assert.Equal(0, h.Services.Bandwidth.Reserved);
    }

    [Fact]
    public void RequestedIPv6WithoutAnIPv6AddressGets440()
    {
        var h = new EngineHarness();
        byte[] r = new TestClient(h).Request(StunMethod.Allocate, b => b.RequestedTransport(17).Family(StunAttributeType.RequestedAddressFamily, StunAddressFamily.IPv6));
        Assert.Equal(440, EngineHarness.ErrorCodeOf(r));
        Assert.Equal(0, h.Quotas.Total);
    }

    [Fact]
    public void DualAllocationWithoutIPv6GivesIPv4AndAnAddressErrorCode()
    {
        var h = new EngineHarness();
        byte[] r = new TestClient(h).Request(StunMethod.Allocate, b => b.RequestedTransport(17).Family(StunAttributeType.AdditionalAddressFamily, StunAddressFamily.IPv6));
        Assert.Equal(0, EngineHarness.ErrorCodeOf(r));
        Assert.True(StunMessage.TryParse(r, out StunMessage m) == StunParseStatus.Ok);
        Assert.True(m.TryGetAttribute(StunAttributeType.AddressErrorCode, out ReadOnlySpan<byte> aec));
        Assert.True(StunAttributeReader.TryReadAddressErrorCode(aec, out StunAddressFamily family, out int code, out _));
        Assert.Equal(StunAddressFamily.IPv6, family);
        Assert.Equal(440, code);
    }

    [Fact]
    public void EvenPortWithReservationHoldsTheNextPortForAToken()
    {
        var h = new EngineHarness();
        byte[] r = new TestClient(h).Request(StunMethod.Allocate, b => b.RequestedTransport(17).Raw((ushort)StunAttributeType.EvenPort, [0x80]));
        Assert.True(StunMessage.TryParse(r, out StunMessage m) == StunParseStatus.Ok);
        Assert.True(m.TryGetXorAddress(StunAttributeType.XorRelayedAddress, out StunAddress relay));
        Assert.Equal(0, relay.Port % 2);
        Assert.True(m.TryGetAttribute(StunAttributeType.ReservationToken, out ReadOnlySpan<byte> token));
        byte[] tokenBytes = token.ToArray();

        var other = new TestClient(h, "alice", "wonderland", StunAddress.Parse("198.51.100.9:41000"));
        byte[] r2 = other.Request(StunMethod.Allocate, b => b.RequestedTransport(17).Raw((ushort)StunAttributeType.ReservationToken, tokenBytes));
        Assert.True(StunMessage.TryParse(r2, out StunMessage m2) == StunParseStatus.Ok);
        Assert.True(m2.TryGetXorAddress(StunAttributeType.XorRelayedAddress, out StunAddress second));
        Assert.Equal(relay.Port + 1, second.Port);

        // A token works once.
        var third = new TestClient(h, "alice", "wonderland", StunAddress.Parse("198.51.100.9:41001"));
        Assert.Equal(508, EngineHarness.ErrorCodeOf(third.Request(StunMethod.Allocate, b => b.RequestedTransport(17).Raw((ushort)StunAttributeType.ReservationToken, tokenBytes))));
    }

    [Fact]
    public void APortTakenByAnotherProcessIsSkipped()
    {
        var h = new EngineHarness(minPort: 50000, maxPort: 50001);
        h.Io.BusyAddresses.Add(EngineHarness.ServerAddress.WithPort(50000));
        StunAddress relay = new TestClient(h).Allocate();
        Assert.Equal(50001, relay.Port);
    }

    [Fact]
    public void ExhaustedPortRangeGets508()
    {
        var h = new EngineHarness(minPort: 50000, maxPort: 50000);
        new TestClient(h).Allocate();
        var alice = new TestClient(h, "alice", "wonderland", StunAddress.Parse("198.51.100.7:40002"));
        Assert.Equal(508, EngineHarness.ErrorCodeOf(alice.Request(StunMethod.Allocate, b => b.RequestedTransport(17))));
    }

    [Fact]
    public void ExternalIpIsAdvertisedInsteadOfTheBoundAddress()
    {
        var h = new EngineHarness(o => o with { ExternalAddresses = [new ExternalAddress(StunAddress.Parse("203.0.113.50:0"), default)] });
        StunAddress relay = new TestClient(h).Allocate();
        Assert.True(relay.EqualsAddress(StunAddress.Parse("203.0.113.50:0")));
        Assert.True(h.Io.OpenRelays.Values.Single().EqualsAddress(EngineHarness.ServerAddress));
    }

    [Fact]
    public void NoAuthAllowsAllocationWithoutCredentials()
    {
        var h = new EngineHarness(o => o with { Authenticate = false });
        byte[]? r = h.Send(new TestClient(h).Build(StunMethod.Allocate, b => b.RequestedTransport(17), sign: false));
        Assert.NotNull(r);
        Assert.Equal(0, EngineHarness.ErrorCodeOf(r));
    }

    [Fact]
    public void UnauthenticatedGarbageCreatesNoState()
    {
        var h = new EngineHarness();
        var random = new Random(7);
        byte[] buffer = new byte[300];
        for (int i = 0; i < 100_000; i++)
        {
            int n = random.Next(buffer.Length);
            random.NextBytes(buffer.AsSpan(0, n));
            if (i % 4 == 0 && n >= 20)
            {
                buffer[0] = 0; buffer[1] = 3; BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), Stun.MagicCookie);
                BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)((n - 20) & ~3));
            }

            h.Engine.OnClientPacket(buffer.AsSpan(0, n), h.Context(StunAddress.FromIPv4((uint)random.Next(), (ushort)random.Next(1, 65535))));
        }

        Assert.Equal(0, h.Engine.AllocationCount);
        Assert.Empty(h.Io.OpenRelays);
        Assert.Equal(0, h.Quotas.Total);
        Assert.Empty(h.Io.Posted);
    }
}
