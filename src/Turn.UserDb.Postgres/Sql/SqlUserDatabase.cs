using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Net.Sockets;

namespace Turn.UserDb.Sql;

/// <summary>
/// coturn's user-database verbs over ADO.NET, shared by the PostgreSQL and MySQL/MariaDB backends: the tables and
/// columns of <c>turndb/schema.sql</c>, the statements of coturn's drivers (same <c>order by</c>), every value bound
/// as a parameter. A backend supplies the connections, the exact-match predicate and its error classification.
/// </summary>
/// <remarks>
/// Every call takes a pooled connection of its own, so one instance serves many threads. A call never waits longer
/// than the backend's connect timeout plus its command timeouts (a guard cancels the wait even if a driver would
/// hang), and honours its <see cref="CancellationToken"/>. A call that meets a pooled connection the server has
/// closed meanwhile (database restarted) is retried once on a fresh connection.
/// </remarks>
internal abstract class SqlUserDatabase : IUserDatabase
{
    private const int MaxAttempts = 6;

    private readonly TimeSpan _callTimeout;
    private readonly string?[] _secrets;

    /// <param name="description">What <see cref="Description"/> says (never the password).</param>
    /// <param name="callTimeout">Longest a call may take in all (connect + statements), after which it fails.</param>
    /// <param name="secrets">Values that must never appear in a message (the connection password).</param>
    protected SqlUserDatabase(string description, TimeSpan callTimeout, params string?[] secrets)
    {
        Description = description;
        _callTimeout = callTimeout;
        _secrets = secrets;
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();

    /// <summary>A new (pooled, not yet open) connection.</summary>
    protected abstract DbConnection NewConnection();

    /// <summary>
    /// An exact, case-sensitive, byte-for-byte comparison of <paramref name="column"/> with <paramref name="parameter"/>
    /// that can still use the column's index.
    /// </summary>
    protected virtual string Eq(string column, string parameter) => $"{column}={parameter}";

    /// <summary>Runs on each connection right after it is opened (taken from the pool), before the call's statements.</summary>
    protected virtual Task OnOpenedAsync(DbConnection connection, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Runs the work of one call; drivers whose "async" methods block override this to use the thread pool.</summary>
    protected virtual Task<T> ScheduleAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken ct) => work(ct);

    /// <summary>Unique-key race, deadlock or serialization failure: the whole call may simply be run again.</summary>
    protected abstract bool IsRetryable(Exception e);

    /// <summary>The connection broke (server restarted or went away) while in use, as opposed to a timeout or an SQL error.</summary>
    protected abstract bool IsBrokenConnection(Exception e);

    /// <summary>
    /// A statement taking a transaction-scoped lock on the text parameter <c>@lock</c>, run first in every
    /// delete+insert transaction so that writers of the same key queue instead of colliding; null = none (collisions
    /// are then retried).
    /// </summary>
    protected virtual string? LockSql => null;

    /// <summary>A message for a failure the driver describes poorly or with data in it; null = the driver's message.</summary>
    protected virtual string? DescribeFailure(Exception e) => null;

    /// <summary>True when the failure's driver exception may carry row values (then it is not kept as inner exception).</summary>
    protected virtual bool CarriesValues(Exception e) => false;

    // ------------------------------------------------------------------ server side

    /// <inheritdoc />
    public async Task<string?> GetUserKeyAsync(string user, string realm, CancellationToken ct = default)
    {
        string? key = await ScalarAsync(
            $"select hmackey from turnusers_lt where {Eq("name", "@name")} and {Eq("realm", "@realm")}",
            ct,
            ("@name", user),
            ("@realm", realm)).ConfigureAwait(false);

        // hmackey is char(128): PostgreSQL pads it with blanks.
        return key?.TrimEnd(' ');
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> GetSecretsAsync(string realm, CancellationToken ct = default)
        => await QueryAsync($"select value from turn_secret where {Eq("realm", "@realm")}", r => Text(r, 0), ct, ("@realm", realm)).ConfigureAwait(false);

    /// <inheritdoc />
    public Task<string?> GetRealmForOriginAsync(string origin, CancellationToken ct = default)
        => ScalarAsync($"select realm from turn_origin_to_realm where {Eq("origin", "@origin")}", ct, ("@origin", origin));

    /// <inheritdoc />
    public async Task<RealmOptions> GetRealmOptionsAsync(string realm, CancellationToken ct = default)
    {
        var rows = await QueryAsync(
            $"select opt,value from turn_realm_option where {Eq("realm", "@realm")}",
            r => (Opt: Text(r, 0), Value: Text(r, 1)),
            ct,
            ("@realm", realm)).ConfigureAwait(false);
        ulong? maxBps = null;
        int? totalQuota = null;
        int? userQuota = null;
        foreach (var (opt, value) in rows)
        {
            switch (opt)
            {
                case RealmOptionNames.MaxBps:
                    maxBps = CNumber.ToULong(value);
                    break;
                case RealmOptionNames.TotalQuota:
                    totalQuota = CNumber.ToInt(value);
                    break;
                case RealmOptionNames.UserQuota:
                    userQuota = CNumber.ToInt(value);
                    break;
                default:
                    break; // coturn logs "Unknown realm option" and ignores it
            }
        }

        return new RealmOptions(maxBps, totalQuota, userQuota);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<PeerIpRange>> GetAllowedPeerIpsAsync(string? realm, CancellationToken ct = default) => PeerIpsAsync("allowed_peer_ip", realm, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<PeerIpRange>> GetDeniedPeerIpsAsync(string? realm, CancellationToken ct = default) => PeerIpsAsync("denied_peer_ip", realm, ct);

    /// <inheritdoc />
    public async Task<OAuthKey?> GetOAuthKeyAsync(string kid, CancellationToken ct = default)
    {
        var rows = await QueryAsync(
            $"select ikm_key,timestamp,lifetime,as_rs_alg,realm from oauth_key where {Eq("kid", "@kid")}",
            r => new OAuthKey(kid, Text(r, 0), CNumber.ToULong(Value(r, 1)) ?? 0, (uint)Math.Min(CNumber.ToULong(Value(r, 2)) ?? 0, uint.MaxValue), Text(r, 3), Text(r, 4)),
            ct,
            ("@kid", kid)).ConfigureAwait(false);
        return rows.Count > 0 ? rows[0] : null;
    }

    /// <inheritdoc />
    public async Task<AdminUser?> GetAdminUserAsync(string name, CancellationToken ct = default)
    {
        var rows = await QueryAsync(
            $"select realm,password from admin_user where {Eq("name", "@name")}",
            r => new AdminUser(name, Text(r, 0), Text(r, 1)),
            ct,
            ("@name", name)).ConfigureAwait(false);
        return rows.Count > 0 ? rows[0] : null;
    }

    /// <inheritdoc />
    public async Task PingAsync(CancellationToken ct = default)
        => await ScalarAsync("select 1", ct).ConfigureAwait(false);

    // ------------------------------------------------------------------ admin side

    /// <inheritdoc />
    public Task SetUserKeyAsync(string user, string realm, string hexKey, CancellationToken ct = default)
        => ReplaceAsync(
            $"delete from turnusers_lt where {Eq("realm", "@realm")} and {Eq("name", "@name")}",
            "insert into turnusers_lt (realm,name,hmackey) values (@realm,@name,@key)",
            ct,
            ("@realm", realm),
            ("@name", user),
            ("@key", hexKey));

    /// <inheritdoc />
    public async Task<bool> DeleteUserAsync(string user, string realm, CancellationToken ct = default)
        => await ExecuteAsync($"delete from turnusers_lt where {Eq("name", "@name")} and {Eq("realm", "@realm")}", ct, ("@name", user), ("@realm", realm)).ConfigureAwait(false) > 0;

    /// <inheritdoc />
    public async Task<IReadOnlyList<(string User, string Realm)>> ListUsersAsync(string? realm, CancellationToken ct = default)
        => realm is null
            ? await QueryAsync("select name,realm from turnusers_lt order by realm,name", Pair, ct).ConfigureAwait(false)
            : await QueryAsync($"select name,realm from turnusers_lt where {Eq("realm", "@realm")} order by name", Pair, ct, ("@realm", realm)).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<(string Secret, string Realm)>> ListSecretsAsync(string? realm, CancellationToken ct = default)
        => realm is null
            ? await QueryAsync("select value,realm from turn_secret order by realm,value", Pair, ct).ConfigureAwait(false)
            : await QueryAsync($"select value,realm from turn_secret where {Eq("realm", "@realm")} order by value", Pair, ct, ("@realm", realm)).ConfigureAwait(false);

    /// <inheritdoc />
    public Task AddSecretAsync(string realm, string secret, CancellationToken ct = default)
        => ReplaceAsync(
            $"delete from turn_secret where {Eq("value", "@value")} and {Eq("realm", "@realm")}",
            "insert into turn_secret (realm,value) values (@realm,@value)",
            ct,
            ("@realm", realm),
            ("@value", secret));

    /// <inheritdoc />
    public async Task<bool> DeleteSecretAsync(string realm, string secret, CancellationToken ct = default)
        => await ExecuteAsync($"delete from turn_secret where {Eq("value", "@value")} and {Eq("realm", "@realm")}", ct, ("@value", secret), ("@realm", realm)).ConfigureAwait(false) > 0;

    /// <inheritdoc />
    public Task<int> DeleteAllSecretsAsync(string realm, CancellationToken ct = default)
        => ExecuteAsync($"delete from turn_secret where {Eq("realm", "@realm")}", ct, ("@realm", realm));

    /// <inheritdoc />
    public Task AddOriginAsync(string origin, string realm, CancellationToken ct = default)
        => ReplaceAsync(
            $"delete from turn_origin_to_realm where {Eq("origin", "@origin")}",
            "insert into turn_origin_to_realm (origin,realm) values (@origin,@realm)",
            ct,
            ("@origin", origin),
            ("@realm", realm));

    /// <inheritdoc />
    public async Task<bool> DeleteOriginAsync(string origin, CancellationToken ct = default)
        => await ExecuteAsync($"delete from turn_origin_to_realm where {Eq("origin", "@origin")}", ct, ("@origin", origin)).ConfigureAwait(false) > 0;

    /// <inheritdoc />
    public async Task<IReadOnlyList<(string Origin, string Realm)>> ListOriginsAsync(string? realm, CancellationToken ct = default)
        => realm is null
            ? await QueryAsync("select origin,realm from turn_origin_to_realm order by realm,origin", Pair, ct).ConfigureAwait(false)
            : await QueryAsync($"select origin,realm from turn_origin_to_realm where {Eq("realm", "@realm")} order by origin", Pair, ct, ("@realm", realm)).ConfigureAwait(false);

    /// <inheritdoc />
    public Task SetRealmOptionAsync(string realm, string option, ulong value, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(realm);
        if (!RealmOptionNames.IsKnown(option))
        {
            throw new ArgumentException($"Unknown realm option '{option}' (max-bps, total-quota or user-quota).", nameof(option));
        }

        string delete = $"delete from turn_realm_option where {Eq("realm", "@realm")} and {Eq("opt", "@opt")}";
        return value == 0
            ? ExecuteAsync(delete, ct, ("@realm", realm), ("@opt", option))
            : ReplaceAsync(
                delete,
                "insert into turn_realm_option (realm,opt,value) values (@realm,@opt,@value)",
                ct,
                ("@realm", realm),
                ("@opt", option),
                ("@value", value.ToString(CultureInfo.InvariantCulture)));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<(string Realm, string Option, string Value)>> ListRealmOptionsAsync(string? realm, CancellationToken ct = default)
    {
        static (string, string, string) Row(DbDataReader r) => (Text(r, 0), Text(r, 1), Text(r, 2));
        return realm is null
            ? await QueryAsync("select realm,opt,value from turn_realm_option order by realm,opt", Row, ct).ConfigureAwait(false)
            : await QueryAsync($"select realm,opt,value from turn_realm_option where {Eq("realm", "@realm")} order by realm,opt", Row, ct, ("@realm", realm)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task SetAdminUserAsync(string name, string realm, string passwordHash, CancellationToken ct = default)
        => ReplaceAsync(
            $"delete from admin_user where {Eq("name", "@name")}",
            "insert into admin_user (realm,name,password) values (@realm,@name,@password)",
            ct,
            ("@realm", realm),
            ("@name", name),
            ("@password", passwordHash));

    /// <inheritdoc />
    public async Task<bool> DeleteAdminUserAsync(string name, CancellationToken ct = default)
        => await ExecuteAsync($"delete from admin_user where {Eq("name", "@name")}", ct, ("@name", name)).ConfigureAwait(false) > 0;

    /// <inheritdoc />
    public async Task<IReadOnlyList<AdminUser>> ListAdminUsersAsync(CancellationToken ct = default)
        => await QueryAsync("select name,realm from admin_user order by realm,name", r => new AdminUser(Text(r, 0), Text(r, 1), string.Empty), ct).ConfigureAwait(false);

    // ------------------------------------------------------------------ plumbing

    private static (string, string) Pair(DbDataReader r) => (Text(r, 0), Text(r, 1));

    private static string Text(DbDataReader r, int i) => r.IsDBNull(i) ? string.Empty : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture) ?? string.Empty;

    private static object? Value(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetValue(i);

    private async Task<IReadOnlyList<PeerIpRange>> PeerIpsAsync(string table, string? realm, CancellationToken ct)
        => realm is null
            ? await QueryAsync($"select realm,ip_range from {table}", r => new PeerIpRange(Text(r, 0), Text(r, 1)), ct).ConfigureAwait(false)
            : await QueryAsync($"select realm,ip_range from {table} where {Eq("realm", "@realm")}", r => new PeerIpRange(Text(r, 0), Text(r, 1)), ct, ("@realm", realm)).ConfigureAwait(false);

    /// <summary>Runs <paramref name="sql"/> (statements that need no parameters, e.g. a schema) in one call.</summary>
    internal Task ExecuteScriptAsync(string sql, CancellationToken ct) => ExecuteAsync(sql, ct);

    private Task<string?> ScalarAsync(string sql, CancellationToken ct, params (string Name, string Value)[] parameters)
    {
        CheckValues(parameters);
        return RunAsync(
            async (connection, token) =>
            {
                await using DbCommand command = Command(connection, sql, parameters);
                object? result = await command.ExecuteScalarAsync(token).ConfigureAwait(false);
                return result is null or DBNull ? null : Convert.ToString(result, CultureInfo.InvariantCulture);
            },
            ct);
    }

    private Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> map, CancellationToken ct, params (string Name, string Value)[] parameters)
    {
        CheckValues(parameters);
        return RunAsync(
            async (connection, token) =>
            {
                await using DbCommand command = Command(connection, sql, parameters);
                await using DbDataReader reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false);
                var rows = new List<T>();
                while (await reader.ReadAsync(token).ConfigureAwait(false))
                {
                    rows.Add(map(reader));
                }

                return (IReadOnlyList<T>)rows;
            },
            ct);
    }

    private Task<int> ExecuteAsync(string sql, CancellationToken ct, params (string Name, string Value)[] parameters)
    {
        CheckValues(parameters);
        return RunAsync(
            async (connection, token) =>
            {
                await using DbCommand command = Command(connection, sql, parameters);
                return await command.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            },
            ct);
    }

    // delete + insert in one transaction: an upsert that also works on hand-made tables without a primary key. Two
    // writers of the same key may collide (unique violation, deadlock): the call is then run again.
    private Task ReplaceAsync(string deleteSql, string insertSql, CancellationToken ct, params (string Name, string Value)[] parameters)
    {
        CheckValues(parameters);
        return RunAsync(
            async (connection, token) =>
            {
                await using DbTransaction tx = await connection.BeginTransactionAsync(token).ConfigureAwait(false);
                if (LockSql is { } lockSql)
                {
                    string lockKey = string.Join('\u0001', parameters.Where(p => deleteSql.Contains(p.Name, StringComparison.Ordinal)).Select(p => p.Value).Prepend(deleteSql));
                    await using DbCommand take = Command(connection, lockSql, [("@lock", lockKey)]);
                    take.Transaction = tx;
                    await take.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                }

                await using (DbCommand delete = Command(connection, deleteSql, parameters.Where(p => deleteSql.Contains(p.Name, StringComparison.Ordinal))))
                {
                    delete.Transaction = tx;
                    await delete.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                }

                await using (DbCommand insert = Command(connection, insertSql, parameters))
                {
                    insert.Transaction = tx;
                    await insert.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                }

                await tx.CommitAsync(token).ConfigureAwait(false);
                return 0;
            },
            ct);
    }

    private static void CheckValues((string Name, string Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            ArgumentNullException.ThrowIfNull(value, name.TrimStart('@'));
        }
    }

    private static DbCommand Command(DbConnection connection, string sql, IEnumerable<(string Name, string Value)>? parameters = null)
    {
        DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        if (parameters is not null)
        {
            foreach (var (name, value) in parameters)
            {
                DbParameter p = command.CreateParameter();
                p.ParameterName = name;
                p.DbType = DbType.String;
                p.Value = value;
                command.Parameters.Add(p);
            }
        }

        return command;
    }

    private async Task<T> RunAsync<T>(Func<DbConnection, CancellationToken, Task<T>> body, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            bool opened = false;
            try
            {
                Task<T> work = ScheduleAsync(
                    async token =>
                    {
                        await using DbConnection connection = NewConnection();
                        await connection.OpenAsync(token).ConfigureAwait(false);
                        opened = true;
                        await OnOpenedAsync(connection, token).ConfigureAwait(false);
                        return await body(connection, token).ConfigureAwait(false);
                    },
                    ct);
                return await work.WaitAsync(_callTimeout, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (attempt < MaxAttempts && IsRetryable(e))
            {
                // A key race or deadlock: run the whole call again after a short random pause.
                await Task.Delay(Random.Shared.Next(5, 30) * attempt, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt == 1 && opened && IsBrokenConnection(e))
            {
                // A pooled connection the server had closed (restart): run the call again on a fresh one.
            }
            catch (TimeoutException e)
            {
                throw new UserDbException($"{Description}: no answer within {_callTimeout.TotalSeconds:0.#} s", e);
            }
            catch (Exception e) when (e is DbException or IOException or SocketException or InvalidOperationException or OperationCanceledException or System.Security.Authentication.AuthenticationException or FormatException or InvalidCastException)
            {
                string prefix = Description;
                string? custom = DescribeFailure(e);
                if (custom is not null || CarriesValues(e))
                {
                    return Throw<T>(new UserDbException(Redaction.Redact($"{prefix}: {custom ?? "the statement failed"}", _secrets)));
                }

                return Throw<T>(Redaction.Wrap(prefix, e, _secrets));
            }
        }
    }

    private static T Throw<T>(Exception e) => throw e;
}
