using StackExchange.Redis;

namespace Turn.UserDb.Redis;

/// <summary>
/// Opens coturn-compatible Redis user databases (<c>-N/--redis-userdb</c>), coturn 4.6.1's key layout (see
/// <c>turndb/schema.userdb.redis</c>); the connection string is coturn's (see <see cref="RedisConnectionInfo"/>);
/// the client is StackExchange.Redis 1.2.6.
/// </summary>
public sealed class RedisUserDatabaseFactory : IUserDatabaseFactory
{
    /// <summary>Connect timeout when the connection string gives none.</summary>
    public TimeSpan DefaultConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one command (or one SCAN page) may take.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Ask the server for a background save (BGSAVE) after each write, as coturn's turnadmin SAVEs (default on).</summary>
    public bool SaveAfterWrite { get; init; } = true;

    /// <inheritdoc />
    public string Name => "Redis";

    /// <inheritdoc />
    public bool CanOpen(UserDbKind kind) => kind == UserDbKind.Redis;

    /// <summary>The StackExchange.Redis settings the factory would use (with the password: do not log them).</summary>
    /// <exception cref="UserDbException">The connection string is malformed.</exception>
    public ConfigurationOptions BuildSettings(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        return RedisConnectionInfo.ToConfigurationOptions(connectionString, DefaultConnectTimeout, CommandTimeout);
    }

    /// <inheritdoc />
    public async Task<IUserDatabase> OpenAsync(string connectionString, CancellationToken ct = default)
        => await RedisUserDatabase.OpenAsync(BuildSettings(connectionString), CommandTimeout, SaveAfterWrite, ct).ConfigureAwait(false);
}
