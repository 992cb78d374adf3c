using System.Text;
using Turn.Protocol;

namespace Turn.Server.Auth;

/// <summary>
/// The identity and key an allocation was created with. Fixed at the first successful
/// authentication: later requests on the allocation must use the same user and key (RFC 8656 §7.2).
/// </summary>
public sealed class SessionCredentials
{
    public SessionCredentials(string username, string realm, byte[] key, StunPasswordAlgorithm algorithm)
    {
        Username = username;
        UsernameUtf8 = Encoding.UTF8.GetBytes(username);
        Realm = realm;
        RealmUtf8 = Encoding.UTF8.GetBytes(realm);
        Key = key;
        Algorithm = algorithm;
    }

    public string Username { get; }

    public byte[] UsernameUtf8 { get; }

    /// <summary>The session's realm: the default realm, or the one its ORIGIN mapped to (fixed at creation like the key).</summary>
    public string Realm { get; }

    public byte[] RealmUtf8 { get; }

    public byte[] Key { get; }

    public StunPasswordAlgorithm Algorithm { get; }

    /// <summary>An upper bound on the allocation's lifetime in seconds (an OAuth token's); 0 = none.</summary>
    public uint MaxLifetimeSeconds { get; init; }
}
