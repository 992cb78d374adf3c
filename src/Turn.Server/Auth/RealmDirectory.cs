using System.Text;
using Turn.Protocol;

namespace Turn.Server.Auth;

/// <summary>
/// The realms a server serves besides its default one: which realm an ORIGIN (0x802F) selects (coturn's
/// <c>turn_origin_to_realm</c>) and each realm's limits. An immutable snapshot: the host rebuilds it from the
/// database in the background and swaps it in whole, so a worker looks realms up synchronously and never waits
/// on the database.
/// </summary>
public sealed class RealmDirectory
{
    private readonly Dictionary<string, string> _originToRealm;
    private readonly Dictionary<string, RealmLimits> _limits;
    private readonly Func<string, string> _canonicalizeOrigin;

    /// <param name="originToRealm">Origins in canonical form (as stored by turnadmin -O) and their realms.</param>
    /// <param name="limits">Realms with their limits (the default realm's come from elsewhere and may be absent).</param>
    /// <param name="canonicalizeOrigin">Turns a request's ORIGIN into the stored form (coturn's canonical origin); null = as sent.</param>
    public RealmDirectory(
        IEnumerable<KeyValuePair<string, string>> originToRealm,
        IEnumerable<KeyValuePair<string, RealmLimits>> limits,
        Func<string, string>? canonicalizeOrigin = null)
    {
        _originToRealm = new Dictionary<string, string>(originToRealm, StringComparer.Ordinal);
        _limits = new Dictionary<string, RealmLimits>(limits, StringComparer.Ordinal);
        _canonicalizeOrigin = canonicalizeOrigin ?? (static o => o);
    }

    /// <summary>No origins and no realm limits: every request is in the default realm.</summary>
    public static RealmDirectory Empty { get; } = new([], []);

    public int OriginCount => _originToRealm.Count;

    /// <summary>The realms with limits of their own.</summary>
    public IEnumerable<string> Realms => _limits.Keys;

    /// <summary>The realm <paramref name="origin"/> (as a client sent it) maps to.</summary>
    public bool TryGetRealmForOrigin(string origin, out string realm) =>
        _originToRealm.TryGetValue(_canonicalizeOrigin(origin), out realm!);

    /// <summary>The limits of <paramref name="realm"/>, when the directory has them.</summary>
    public bool TryGetLimits(string realm, out RealmLimits limits) => _limits.TryGetValue(realm, out limits!);

    /// <summary>
    /// The realm an Allocate that starts a session is served in: the first non-empty ORIGIN, in message order, that
    /// maps to a realm; else <paramref name="defaultRealm"/> (unknown origins, or none: coturn 4.6.1's choice).
    /// </summary>
    public string RealmFor(in StunMessage request, string defaultRealm)
    {
        if (_originToRealm.Count == 0)
        {
            return defaultRealm;
        }

        foreach (StunAttribute attribute in request.GetAttributes())
        {
            if (attribute.Type != (ushort)StunAttributeType.Origin || attribute.Value.IsEmpty)
            {
                continue;
            }

            if (TryGetRealmForOrigin(OriginText(attribute.Value), out string realm))
            {
                return realm;
            }
        }

        return defaultRealm;
    }

    /// <summary>The first non-empty ORIGIN of <paramref name="request"/> in canonical form, or null when it has none.</summary>
    public string? FirstOrigin(in StunMessage request)
    {
        foreach (StunAttribute attribute in request.GetAttributes())
        {
            if (attribute.Type == (ushort)StunAttributeType.Origin && !attribute.Value.IsEmpty)
            {
                return _canonicalizeOrigin(OriginText(attribute.Value));
            }
        }

        return null;
    }

    /// <summary>
    /// check-origin-consistency (coturn): a request of a session that began with ORIGIN <paramref name="sessionOrigin"/>
    /// must carry it among its ORIGINs; a session that began without one (null) must not name any.
    /// </summary>
    public bool IsOriginConsistent(in StunMessage request, string? sessionOrigin)
    {
        bool any = false;
        foreach (StunAttribute attribute in request.GetAttributes())
        {
            if (attribute.Type != (ushort)StunAttributeType.Origin || attribute.Value.IsEmpty)
            {
                continue;
            }

            any = true;
            if (sessionOrigin is not null && string.Equals(_canonicalizeOrigin(OriginText(attribute.Value)), sessionOrigin, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return sessionOrigin is null && !any;
    }

    // coturn reads the value as a C string: it ends at the first NUL byte.
    private static string OriginText(ReadOnlySpan<byte> value)
    {
        int nul = value.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul >= 0 ? value[..nul] : value);
    }
}
