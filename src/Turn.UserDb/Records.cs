namespace Turn.UserDb;

/// <summary>Per-realm limits from <c>turn_realm_option</c>; null = not set for the realm (the server default applies).</summary>
/// <param name="MaxBps">max-bps: bytes per second per session.</param>
/// <param name="TotalQuota">total-quota: allocations in the realm.</param>
/// <param name="UserQuota">user-quota: allocations per user.</param>
public sealed record RealmOptions(ulong? MaxBps, int? TotalQuota, int? UserQuota)
{
    /// <summary>No option set.</summary>
    public static RealmOptions None { get; } = new(null, null, null);
}

/// <summary>The option names of <c>turn_realm_option.opt</c> (and turnadmin's <c>--max-bps/--total-quota/--user-quota</c>).</summary>
public static class RealmOptionNames
{
    /// <summary>Bytes per second per session.</summary>
    public const string MaxBps = "max-bps";

    /// <summary>Allocations per realm.</summary>
    public const string TotalQuota = "total-quota";

    /// <summary>Allocations per user.</summary>
    public const string UserQuota = "user-quota";

    /// <summary>True for one of the three names (exact, case-sensitive, as coturn compares them).</summary>
    public static bool IsKnown(string? option) => option is MaxBps or TotalQuota or UserQuota;
}

/// <summary>One <c>allowed_peer_ip</c>/<c>denied_peer_ip</c> row: <c>a.b.c.d</c>, an IPv6 address, or <c>from-to</c>.</summary>
/// <param name="Realm">The realm the range is stored with; empty = every realm.</param>
/// <param name="Range">The range text as stored.</param>
public sealed record PeerIpRange(string Realm, string Range);

/// <summary>One RFC 7635 key (<c>oauth_key</c> row).</summary>
/// <param name="Kid">Key id.</param>
/// <param name="IkmKey">Input keying material, base64 as stored.</param>
/// <param name="Timestamp">Key timestamp (seconds); 0 = none.</param>
/// <param name="Lifetime">Lifetime in seconds; 0 = unlimited.</param>
/// <param name="AsRsAlg">Token encryption algorithm name (<c>A256GCM</c>, <c>A128GCM</c>, ...).</param>
/// <param name="Realm">Realm of the key (may be empty).</param>
public sealed record OAuthKey(string Kid, string IkmKey, ulong Timestamp, uint Lifetime, string AsRsAlg, string Realm)
{
    /// <summary>Leaves the key material out, so a logged record leaks nothing.</summary>
    public override string ToString() => $"OAuthKey {{ Kid = {Kid}, Timestamp = {Timestamp}, Lifetime = {Lifetime}, AsRsAlg = {AsRsAlg}, Realm = {Realm} }}";
}

/// <summary>A web-admin / telnet-CLI user (<c>admin_user</c> row).</summary>
/// <param name="Name">User name (primary key: one row per name across all realms).</param>
/// <param name="Realm">Realm the admin may manage; empty = superuser of every realm.</param>
/// <param name="PasswordHash"><c>$5$salt$sha256</c> (see <see cref="AdminPasswordHash"/>) or, in hand-made databases, plain text. Empty in lists.</param>
public sealed record AdminUser(string Name, string Realm, string PasswordHash)
{
    /// <summary>Leaves the password hash out, so a logged record leaks nothing.</summary>
    public override string ToString() => $"AdminUser {{ Name = {Name}, Realm = {Realm} }}";
}

/// <summary>The database itself failed (cannot open, not a database, connection lost). Messages never contain credentials.</summary>
public class UserDbException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UserDbException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public UserDbException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public UserDbException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
