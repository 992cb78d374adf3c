using Turn.Protocol;
using Turn.Server.Auth;

namespace Turn.Server.Tests.Engine;

/// <summary>
/// ORIGIN (0x802F) → realm, as coturn 4.6.1 does it (checked against coturn with a database made by its turnadmin):
/// an Allocate whose ORIGIN maps to a realm is challenged, authenticated and limited in that realm.
/// </summary>
public sealed class OriginRealmTests
{
    private const string Origin = "https://example.com:443";
    private const string Realm2 = "realm2";

    private static RealmDirectory Directory(RealmLimits? limits = null, Func<string, string>? canonicalize = null) => new(
        [new(Origin, Realm2)],
        limits is null ? [] : [new(Realm2, limits)],
        canonicalize);

    private static RealmTestBed Bed(RealmDirectory? realms = null, int userQuota = 0, int totalQuota = 0, long maxBps = 0, long bpsCapacity = 0)
    {
        var bed = new RealmTestBed(realms ?? Directory(), userQuota, totalQuota, maxBps, bpsCapacity);
        bed.Users.Add("alice", Realm2, "pass2");
        bed.Users.Add("bob", RealmTestBed.DefaultRealm, "pass1");
        return bed;
    }

    [Fact]
    public void AnAllocateWithAMappedOriginIsChallengedAuthenticatedAndCountedInThatRealm()
    {
        RealmTestBed bed = Bed();
        StunAddress client = RealmTestBed.ClientAt(40000);
        (int code, string realm, string nonce) = RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate([Origin]), client));
        Assert.Equal(401, code);
        Assert.Equal(Realm2, realm);

        (int ok, _, _) = RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate([Origin], "alice", "pass2", realm, nonce), client));
        Assert.Equal(0, ok);
        Assert.Contains(("alice", Realm2), bed.Users.Asked);
        AllocationEvent created = Assert.Single(bed.Events.Events);
        Assert.Equal(AllocationEventKind.Created, created.Kind);
        Assert.Equal(Realm2, created.Realm);
        Assert.Equal("alice", created.Username);
    }

    [Fact]
    public void WithoutOriginOrWithAnUnknownOneTheDefaultRealmIsUsed()
    {
        RealmTestBed bed = Bed();
        Assert.Equal(RealmTestBed.DefaultRealm, RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate(), RealmTestBed.ClientAt(40000))).Realm);
        Assert.Equal(RealmTestBed.DefaultRealm, RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate(["https://unknown.org:443"]), RealmTestBed.ClientAt(40001))).Realm);

        // A user of realm2 cannot authenticate in the default realm.
        StunAddress client = RealmTestBed.ClientAt(40002);
        (_, string realm, string nonce) = RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate(), client));
        Assert.Equal(401, RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate(null, "alice", "pass2", realm, nonce), client)).Code);
        bed.AllocateOk(RealmTestBed.ClientAt(40003), "bob", "pass1");
        Assert.Equal(RealmTestBed.DefaultRealm, Assert.Single(bed.Events.Events).Realm);
    }

    [Fact]
    public void TheFirstNonEmptyOriginThatMapsDecidesAndOriginsAreCanonicalized()
    {
        RealmTestBed bed = Bed(Directory(canonicalize: o => o.ToLowerInvariant().Replace("/path", string.Empty, StringComparison.Ordinal)));
        byte[] request = RealmTestBed.Allocate(["", "https://nothing.net:443", "HTTPS://EXAMPLE.COM:443/path", "ftp://uffrith.net"]);
        Assert.Equal(Realm2, RealmTestBed.Parse(bed.Exchange(request, RealmTestBed.ClientAt(40000))).Realm);
    }

    [Fact]
    public void OnlyAnAllocateLooksAtOrigin()
    {
        // coturn reads ORIGIN when a session starts with an Allocate; a Refresh without an allocation is in the default realm.
        RealmTestBed bed = Bed();
        byte[] refresh = RealmTestBed.Request(StunMethod.Refresh, [Origin]);
        (int code, string realm, _) = RealmTestBed.Parse(bed.Exchange(refresh, RealmTestBed.ClientAt(40000)));
        Assert.Equal(401, code);
        Assert.Equal(RealmTestBed.DefaultRealm, realm);
    }

    [Fact]
    public void TheRealmChosenInTheChallengeHoldsWhenTheNextAllocateLeavesOriginOut()
    {
        // coturn fixes the session's realm at its first Allocate; here the nonce carries it.
        RealmTestBed bed = Bed();
        StunAddress client = RealmTestBed.ClientAt(40000);
        (_, string realm, string nonce) = RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate([Origin]), client));
        Assert.Equal(0, RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate(null, "alice", "pass2", realm, nonce), client)).Code);
        Assert.Equal(Realm2, Assert.Single(bed.Events.Events).Realm);
    }

    [Fact]
    public void ARealmOtherThanTheOneTheNonceWasIssuedForGets437OnAllocate()
    {
        RealmTestBed bed = Bed();

        // Challenged in realm2 (ORIGIN), signed for the default realm: coturn answers 437 "the realm value is incorrect".
        StunAddress client = RealmTestBed.ClientAt(40000);
        (_, _, string nonce2) = RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate([Origin]), client));
        Assert.Equal(437, RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate([Origin], "bob", "pass1", RealmTestBed.DefaultRealm, nonce2), client)).Code);
        Assert.Equal(437, RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate([Origin], "alice", "pass2", "zzz", nonce2), client)).Code);

        // Challenged in the default realm (no ORIGIN), then ORIGIN and realm2 with that nonce: 437 as well.
        StunAddress other = RealmTestBed.ClientAt(40001);
        (_, string realm1, string nonce1) = RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate(), other));
        Assert.Equal(RealmTestBed.DefaultRealm, realm1);
        Assert.Equal(437, RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate([Origin], "alice", "pass2", Realm2, nonce1), other)).Code);
        Assert.Empty(bed.Events.Events);
    }

    [Fact]
    public void ANonceIsBoundToItsRealmAndClient()
    {
        var nonces = new NonceService(new byte[32], 600, true, true);
        StunAddress client = RealmTestBed.ClientAt(40000);
        Span<byte> nonce = stackalloc byte[NonceService.Length];
        nonces.Write(client, 1000, "realm2"u8, nonce);
        Assert.Equal(NonceCheck.Valid, nonces.Check(nonce, client, 1000, "realm2"u8));
        Assert.Equal(NonceCheck.Valid, nonces.Check(nonce, client.WithPort(1), 1000, "realm2"u8)); // the port may change (NAT)
        Assert.Equal(NonceCheck.Invalid, nonces.Check(nonce, client, 1000, "realm3"u8));
        Assert.Equal(NonceCheck.Invalid, nonces.Check(nonce, client, 1000, default));
        Assert.Equal(NonceCheck.Invalid, nonces.Check(nonce, StunAddress.Parse("198.51.100.8:40000"), 1000, "realm2"u8));
        Assert.Equal(NonceCheck.Stale, nonces.Check(nonce, client, 1000 + 601, "realm2"u8));
    }

    [Fact]
    public void AnAllocationKeepsItsRealmAndOtherRealmsGet441()
    {
        RealmTestBed bed = Bed();
        StunAddress client = RealmTestBed.ClientAt(40000);
        (string realm, string nonce) = bed.AllocateOk(client, "alice", "pass2", [Origin]);

        // Later requests need no ORIGIN: the allocation's realm is fixed.
        byte[] refresh = RealmTestBed.Request(StunMethod.Refresh, null, b => b.Lifetime(300), "alice", "pass2", realm, nonce);
        Assert.Equal(0, RealmTestBed.Parse(bed.Exchange(refresh, client)).Code);

        // REALM of another realm (even with a key made for it): 441, as coturn.
        byte[] wrong = RealmTestBed.Request(StunMethod.Refresh, null, b => b.Lifetime(300), "alice", "pass2", RealmTestBed.DefaultRealm, nonce);
        Assert.Equal(441, RealmTestBed.Parse(bed.Exchange(wrong, client)).Code);
        byte[] allocateAgain = RealmTestBed.Allocate(null, "alice", "pass2", "zzz", nonce);
        Assert.Equal(437, RealmTestBed.Parse(bed.Exchange(allocateAgain, client)).Code);

        Assert.Equal([AllocationEventKind.Created, AllocationEventKind.Refreshed], bed.Events.Events.Select(e => e.Kind));
        Assert.All(bed.Events.Events, e => Assert.Equal(Realm2, e.Realm));
    }

    [Fact]
    public void TheRealmsUserQuotaAppliesToItsUsersOnly()
    {
        RealmTestBed bed = Bed(Directory(new RealmLimits(0, UserQuota: 1, TotalQuota: 0)));
        bed.AllocateOk(RealmTestBed.ClientAt(40000), "alice", "pass2", [Origin]);

        StunAddress second = RealmTestBed.ClientAt(40001);
        (_, string realm, string nonce) = RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate([Origin]), second));
        Assert.Equal(486, RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate([Origin], "alice", "pass2", realm, nonce), second)).Code);

        // The default realm has no quota of its own: bob allocates twice.
        bed.AllocateOk(RealmTestBed.ClientAt(40002), "bob", "pass1");
        bed.AllocateOk(RealmTestBed.ClientAt(40003), "bob", "pass1");
    }

    [Fact]
    public void TotalQuotaIsCountedPerRealm()
    {
        // Configured total-quota 1 (the default realm), realm2 allows 2: each realm has its own count.
        RealmTestBed bed = Bed(Directory(new RealmLimits(0, UserQuota: 0, TotalQuota: 2)), totalQuota: 1);
        bed.Users.Add("carol", Realm2, "pass3");
        bed.AllocateOk(RealmTestBed.ClientAt(40000), "bob", "pass1");
        bed.AllocateOk(RealmTestBed.ClientAt(40001), "alice", "pass2", [Origin]);
        bed.AllocateOk(RealmTestBed.ClientAt(40002), "carol", "pass3", [Origin]);

        StunAddress third = RealmTestBed.ClientAt(40003);
        (_, string realm, string nonce) = RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate([Origin]), third));
        Assert.Equal(486, RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate([Origin], "alice", "pass2", realm, nonce), third)).Code);
        StunAddress fourth = RealmTestBed.ClientAt(40004);
        (_, realm, nonce) = RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate(), fourth));
        Assert.Equal(486, RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate(null, "bob", "pass1", realm, nonce), fourth)).Code);
        Assert.Equal(3, bed.Services.Allocations);
    }

    [Fact]
    public void TheRealmsMaxBpsIsTheSessionsBandwidth()
    {
        // --bps-capacity makes the reservation visible: each session reserves its max-bps.
        RealmTestBed bed = Bed(Directory(new RealmLimits(MaxBps: 20_000, 0, 0)), maxBps: 5_000, bpsCapacity: 1_000_000);
        bed.AllocateOk(RealmTestBed.ClientAt(40000), "bob", "pass1");
        Assert.Equal(5_000, bed.Services.Bandwidth.Reserved);
        bed.AllocateOk(RealmTestBed.ClientAt(40001), "alice", "pass2", [Origin]);
        Assert.Equal(25_000, bed.Services.Bandwidth.Reserved);
    }

    [Fact]
    public void ANewDirectoryAppliesToTheNextAllocate()
    {
        RealmTestBed bed = Bed(RealmDirectory.Empty);
        Assert.Equal(RealmTestBed.DefaultRealm, RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate([Origin]), RealmTestBed.ClientAt(40000))).Realm);
        bed.Services.Realms = Directory();
        Assert.Equal(Realm2, RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate([Origin]), RealmTestBed.ClientAt(40001))).Realm);
    }

    [Fact]
    public void AStaleNonceOfARealmIsRenewedForThatRealm()
    {
        RealmTestBed bed = Bed();
        StunAddress client = RealmTestBed.ClientAt(40000);
        (_, string realm, string nonce) = RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate([Origin]), client));
        bed.UnixNow += 601;
        (int code, string renewedRealm, string renewed) = RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate(null, "alice", "pass2", realm, nonce), client));
        Assert.Equal(438, code);
        Assert.Equal(Realm2, renewedRealm);
        Assert.Equal(0, RealmTestBed.Parse(bed.Exchange(RealmTestBed.Allocate(null, "alice", "pass2", renewedRealm, renewed), client)).Code);
    }
}
