namespace Turn.UserDb;

/// <summary>
/// One open user database: coturn's database verbs (the server's reads and turnadmin's writes), asynchronous
/// and backend-neutral. Implementations (SQLite, PostgreSQL, MySQL, Redis, ...) store exactly coturn's tables
/// or keys (see <c>turndb/schema.sql</c>), so one database serves coturn and this server alike.
/// </summary>
/// <remarks>
/// <para>Every value is matched literally and case-sensitively: quotes, <c>;</c>, <c>--</c>, <c>%</c>, <c>_</c>,
/// backslashes, spaces and non-ASCII text are data, never syntax (implementations bind parameters; nothing is
/// spliced into a statement). No method logs or puts a password, key or secret in an exception message.</para>
/// <para>Implementations are safe to call from several threads at once. The server calls them only from
/// background threads with a cache in front; a failure of the database itself (cannot open, connection lost,
/// corrupt file) surfaces as <see cref="UserDbException"/>.</para>
/// <para>"List" methods return rows in coturn's order (for SQL backends the same <c>order by</c> as coturn's
/// drivers, i.e. binary/byte order), so turnadmin prints them in the same order as coturn's turnadmin.</para>
/// </remarks>
public interface IUserDatabase : IAsyncDisposable
{
    /// <summary>Human-readable description for logs (a file path, or a connection string without its password).</summary>
    string Description { get; }

    // ---------------------------------------------------------------- server side (read)

    /// <summary>
    /// The stored long-term key of <paramref name="user"/> in <paramref name="realm"/>: hex text as stored in
    /// <c>turnusers_lt.hmackey</c> (32 hex digits for MD5; coturn also allows longer SHA keys). Null when there is no such user.
    /// </summary>
    Task<string?> GetUserKeyAsync(string user, string realm, CancellationToken ct = default);

    /// <summary>TURN REST API shared secrets of <paramref name="realm"/> (<c>turn_secret</c>), in stored order.</summary>
    Task<IReadOnlyList<string>> GetSecretsAsync(string realm, CancellationToken ct = default);

    /// <summary>The realm mapped to an ORIGIN (<c>turn_origin_to_realm</c>); pass the canonical form (<see cref="CoturnOrigin.Canonicalize"/>). Null when unmapped.</summary>
    Task<string?> GetRealmForOriginAsync(string origin, CancellationToken ct = default);

    /// <summary>Per-realm max-bps / total-quota / user-quota (<c>turn_realm_option</c>); a property is null when not set.</summary>
    Task<RealmOptions> GetRealmOptionsAsync(string realm, CancellationToken ct = default);

    /// <summary>
    /// <c>allowed_peer_ip</c> rows. <paramref name="realm"/> null returns every row (coturn loads them all; a row with an
    /// empty realm applies to every realm); otherwise only the rows stored with exactly that realm.
    /// </summary>
    Task<IReadOnlyList<PeerIpRange>> GetAllowedPeerIpsAsync(string? realm, CancellationToken ct = default);

    /// <summary><c>denied_peer_ip</c> rows; <paramref name="realm"/> as in <see cref="GetAllowedPeerIpsAsync"/>.</summary>
    Task<IReadOnlyList<PeerIpRange>> GetDeniedPeerIpsAsync(string? realm, CancellationToken ct = default);

    /// <summary>The RFC 7635 key with key id <paramref name="kid"/> (<c>oauth_key</c>); null when unknown.</summary>
    Task<OAuthKey?> GetOAuthKeyAsync(string kid, CancellationToken ct = default);

    /// <summary>One web-admin / CLI user with its stored password (<c>$5$salt$sha256</c> or plain); null when unknown.</summary>
    Task<AdminUser?> GetAdminUserAsync(string name, CancellationToken ct = default);

    /// <summary>Cheap round trip proving the database answers (coturn's periodic auth ping); throws <see cref="UserDbException"/> if not.</summary>
    Task PingAsync(CancellationToken ct = default);

    // ---------------------------------------------------------------- admin side (turnadmin)

    /// <summary>Adds or replaces a long-term user (<c>turnadmin -a</c>); <paramref name="hexKey"/> is stored as given (lower-case hex by convention).</summary>
    Task SetUserKeyAsync(string user, string realm, string hexKey, CancellationToken ct = default);

    /// <summary>Deletes a long-term user (<c>turnadmin -d</c>); false when there was none.</summary>
    Task<bool> DeleteUserAsync(string user, string realm, CancellationToken ct = default);

    /// <summary>Long-term users (<c>turnadmin -l</c>): all realms ordered by realm, name; or one realm ordered by name.</summary>
    Task<IReadOnlyList<(string User, string Realm)>> ListUsersAsync(string? realm, CancellationToken ct = default);

    /// <summary>Shared secrets (<c>turnadmin -S</c>): all realms ordered by realm, value; or one realm ordered by value.</summary>
    Task<IReadOnlyList<(string Secret, string Realm)>> ListSecretsAsync(string? realm, CancellationToken ct = default);

    /// <summary>Adds a shared secret to a realm (<c>turnadmin -s</c>); adding an existing one is a no-op.</summary>
    Task AddSecretAsync(string realm, string secret, CancellationToken ct = default);

    /// <summary>Deletes one shared secret (<c>turnadmin -X</c>); false when it was not there.</summary>
    Task<bool> DeleteSecretAsync(string realm, string secret, CancellationToken ct = default);

    /// <summary>Deletes every shared secret of a realm (<c>turnadmin --delete-all-secrets</c>); returns how many.</summary>
    Task<int> DeleteAllSecretsAsync(string realm, CancellationToken ct = default);

    /// <summary>Maps an origin to a realm, replacing an earlier mapping of that origin (<c>turnadmin -O</c>). The caller canonicalizes.</summary>
    Task AddOriginAsync(string origin, string realm, CancellationToken ct = default);

    /// <summary>Removes an origin mapping (<c>turnadmin -R</c>); false when there was none.</summary>
    Task<bool> DeleteOriginAsync(string origin, CancellationToken ct = default);

    /// <summary>Origin mappings (<c>turnadmin -I</c>): all ordered by realm, origin; or one realm ordered by origin.</summary>
    Task<IReadOnlyList<(string Origin, string Realm)>> ListOriginsAsync(string? realm, CancellationToken ct = default);

    /// <summary>
    /// Sets one realm option (<c>turnadmin -g</c>); <paramref name="option"/> is one of <see cref="RealmOptionNames"/>.
    /// A value of 0 removes the option (coturn's documented meaning).
    /// </summary>
    /// <exception cref="ArgumentException">Unknown option name.</exception>
    Task SetRealmOptionAsync(string realm, string option, ulong value, CancellationToken ct = default);

    /// <summary>Realm options (<c>turnadmin -G</c>) ordered by realm, option; all realms or one.</summary>
    Task<IReadOnlyList<(string Realm, string Option, string Value)>> ListRealmOptionsAsync(string? realm, CancellationToken ct = default);

    /// <summary>Adds or replaces an admin user (<c>turnadmin -A</c>); <paramref name="passwordHash"/> as made by <see cref="AdminPasswordHash.Create(string)"/>.</summary>
    Task SetAdminUserAsync(string name, string realm, string passwordHash, CancellationToken ct = default);

    /// <summary>Deletes an admin user (<c>turnadmin -D</c>); false when there was none.</summary>
    Task<bool> DeleteAdminUserAsync(string name, CancellationToken ct = default);

    /// <summary>Admin users (<c>turnadmin -L</c>) ordered by realm, name; <see cref="AdminUser.PasswordHash"/> is left empty.</summary>
    Task<IReadOnlyList<AdminUser>> ListAdminUsersAsync(CancellationToken ct = default);
}
