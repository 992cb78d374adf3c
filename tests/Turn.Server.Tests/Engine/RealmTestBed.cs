using System.Text;
using Turn.Protocol;
using Turn.Security;
using Turn.Server.Auth;
using Turn.Server.Engine;
using Turn.Server.Relay;

namespace Turn.Server.Tests.Engine;

/// <summary>
/// An engine serving several realms: a default one and realms ORIGIN selects (a <see cref="RealmDirectory"/>),
/// users from an in-memory (user, realm) → password table, allocation events recorded.
/// </summary>
internal sealed class RealmTestBed
{
    public const string DefaultRealm = "default.org";
    public static readonly StunAddress Server = StunAddress.Parse("192.0.2.1:3478");

    public RealmTestBed(RealmDirectory? realms = null, int userQuota = 0, int totalQuota = 0, long maxBps = 0, long bpsCapacity = 0)
    {
        var options = new TurnEngineOptions { Authenticate = true, Realm = DefaultRealm, MaxBps = maxBps, Stun = new StunServiceOptions { Software = null } };
        Authenticator = new Authenticator(DefaultRealm, new NonceService(new byte[32], options.NonceLifetimeSeconds, true, true), Users);
        Quotas = new QuotaTracker(userQuota, totalQuota);
        Services = new TurnEngineServices(options, Authenticator, new PeerAddressFilter(new PeerAddressFilterOptions()), new RelayPortPool(50000, 50099), Quotas, [Server], NullServerLog.Instance)
        {
            UnixSeconds = () => UnixNow,
            Bandwidth = new BandwidthCapacity(bpsCapacity),
        };
        Services.Realms = realms ?? RealmDirectory.Empty;
        Services.AllocationObserver = Events;
        Io = new FakeRelayIo();
        Engine = new TurnEngine(Services, Io) { NowMs = 1_000_000 };
    }

    public long UnixNow { get; set; } = 1_800_000_000;

    public InMemoryUsers Users { get; } = new();

    public RecordingObserver Events { get; } = new();

    public Authenticator Authenticator { get; }

    public QuotaTracker Quotas { get; }

    public TurnEngineServices Services { get; }

    public FakeRelayIo Io { get; }

    public TurnEngine Engine { get; }

    public static StunAddress ClientAt(int port) => StunAddress.Parse($"198.51.100.7:{port}");

    /// <summary>Sends a packet from <paramref name="client"/> and returns the answer (null when none).</summary>
    public byte[]? Send(byte[] packet, StunAddress client)
    {
        int before = Io.ToClients.Count;
        Engine.OnClientPacket(packet, new PacketContext(client, Server, TransportKind.Udp, 0));
        return Io.ToClients.Count > before ? Io.LastToClient : null;
    }

    /// <summary>Sends and returns the answer, which must come.</summary>
    public byte[] Exchange(byte[] packet, StunAddress client)
    {
        byte[]? answer = Send(packet, client);
        Assert.NotNull(answer);
        return answer;
    }

    public static (int Code, string Realm, string Nonce) Parse(byte[] response)
    {
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(response, out StunMessage m));
        int code = 0;
        if (m.Class == StunClass.ErrorResponse)
        {
            Assert.True(m.TryGetErrorCode(out code, out _));
        }

        string realm = m.TryGetAttribute(StunAttributeType.Realm, out ReadOnlySpan<byte> r) ? Encoding.UTF8.GetString(r) : string.Empty;
        string nonce = m.TryGetAttribute(StunAttributeType.Nonce, out ReadOnlySpan<byte> n) ? Encoding.UTF8.GetString(n) : string.Empty;
        return (code, realm, nonce);
    }

    /// <summary>
    /// A request: ORIGIN attributes, extra attributes, and (when <paramref name="user"/> is given) USERNAME, REALM,
    /// NONCE and MESSAGE-INTEGRITY keyed with MD5(user:<paramref name="keyRealm"/>:password) (default: the REALM sent).
    /// </summary>
    public static byte[] Request(
        StunMethod method,
        IEnumerable<string>? origins = null,
        Action<StunMessageWriterBox>? body = null,
        string? user = null,
        string? password = null,
        string? realm = null,
        string? nonce = null,
        string? keyRealm = null)
    {
        byte[] buffer = new byte[2048];
        byte[] transactionId = new byte[12];
        Random.Shared.NextBytes(transactionId);
        var box = new StunMessageWriterBox();
        body?.Invoke(box);
        var w = new StunMessageWriter(buffer);
        w.WriteHeader(method, StunClass.Request, transactionId);
        foreach (string origin in origins ?? [])
        {
            w.AddAttribute((ushort)StunAttributeType.Origin, Encoding.UTF8.GetBytes(origin));
        }

        box.ApplyTo(ref w);
        if (user is not null)
        {
            w.AddUsername(user);
            w.AddRealm(realm!);
            w.AddNonce(nonce!);
            w.AddMessageIntegrity(StunKeys.LongTermMd5(user, keyRealm ?? realm!, password!));
        }

        Assert.False(w.Overflowed);
        return w.Written.ToArray();
    }

    public static byte[] Allocate(IEnumerable<string>? origins = null, string? user = null, string? password = null, string? realm = null, string? nonce = null, string? keyRealm = null) =>
        Request(StunMethod.Allocate, origins, b => b.RequestedTransport(17), user, password, realm, nonce, keyRealm);

    /// <summary>The usual exchange: an unsigned Allocate draws the 401, the signed one with its realm and nonce succeeds.</summary>
    public (string Realm, string Nonce) AllocateOk(StunAddress client, string user, string password, IEnumerable<string>? origins = null)
    {
        (int code, string realm, string nonce) = Parse(Exchange(Allocate(origins), client));
        Assert.Equal(401, code);
        (int second, _, _) = Parse(Exchange(Allocate(origins, user, password, realm, nonce), client));
        Assert.Equal(0, second);
        return (realm, nonce);
    }
}

/// <summary>Long-term users per (user, realm), answered at once.</summary>
internal sealed class InMemoryUsers : ICredentialSource
{
    private readonly Dictionary<(string User, string Realm), string> _passwords = [];

    public List<(string User, string Realm)> Asked { get; } = [];

    public bool ProvidesSha256Keys => true;

    public void Add(string user, string realm, string password) => _passwords[(user, realm)] = password;

    public ValueTask<IReadOnlyList<UserKey>> GetKeysAsync(string username, string realm)
    {
        Asked.Add((username, realm));
        IReadOnlyList<UserKey> keys = _passwords.TryGetValue((username, realm), out string? password)
            ? [UserKey.FromPassword(username, realm, password)]
            : [];
        return new ValueTask<IReadOnlyList<UserKey>>(keys);
    }

    public ValueTask<Turn.Server.Auth.OAuth.OAuthKey?> GetOAuthKeyAsync(string kid) => new((Turn.Server.Auth.OAuth.OAuthKey?)null);

    public bool TryResolveUserHash(ReadOnlySpan<byte> userHash, string realm, out string username)
    {
        foreach ((string user, string r) in _passwords.Keys)
        {
            if (r == realm && userHash.SequenceEqual(StunKeys.UserHash(user, realm)))
            {
                username = user;
                return true;
            }
        }

        username = string.Empty;
        return false;
    }
}

/// <summary>Keeps every allocation event.</summary>
internal sealed class RecordingObserver : IAllocationObserver
{
    public List<AllocationEvent> Events { get; } = [];

    public void OnAllocationEvent(AllocationEvent e) => Events.Add(e);
}
