using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;
using Turn.Configuration;
using Turn.Server;
using Turn.UserDb;

namespace Turn.Daemon.UserDb;

/// <summary>
/// The IP endpoints of the configured databases (psql-userdb, mysql-userdb, mongo-userdb, redis-userdb,
/// redis-statsdb), which the peer filter refuses as peers: a relay must never be a way to the server's own database.
/// Host names are resolved once, at start-up; Unix sockets and SQLite files have no endpoint.
/// </summary>
internal static class DatabaseEndpoints
{
    private const int PostgresPort = 5432;
    private const int MySqlPort = 3306;
    private const int MongoPort = 27017;

    /// <summary>Every endpoint of every database option that is set. A string that cannot be read is logged (no value quoted) and skipped: the database layer reports it properly.</summary>
    public static IReadOnlyList<IPEndPoint> Of(TurnServerConfig c, IServerLog log)
    {
        var result = new List<IPEndPoint>();
        Add(result, "psql-userdb", c.PsqlUserDb, Postgres, log);
        Add(result, "mysql-userdb", c.MysqlUserDb, MySql, log);
        Add(result, "mongo-userdb", c.MongoUserDb, Mongo, log);
        Add(result, "redis-userdb", c.RedisUserDb, Redis, log);
        Add(result, "redis-statsdb", c.RedisStatsDb, Redis, log);
        return result.Distinct().ToArray();
    }

    private static void Add(List<IPEndPoint> result, string option, string? connection, Func<string, IEnumerable<(string Host, int Port)>> parse, IServerLog log)
    {
        if (string.IsNullOrWhiteSpace(connection))
        {
            return;
        }

        try
        {
            foreach ((string host, int port) in parse(connection))
            {
                if (host.Length == 0 || host.StartsWith('/') || host.StartsWith('@'))
                {
                    continue; // a Unix socket
                }

                foreach (IPAddress ip in Resolve(host))
                {
                    result.Add(new IPEndPoint(ip, port));
                }
            }
        }
        catch (Exception e) when (e is UserDbException or FormatException or ArgumentException or SocketException)
        {
            log.Warning($"{option}: cannot tell its host and port to keep it from being a peer ({e.GetType().Name})");
        }
    }

    private static IEnumerable<IPAddress> Resolve(string host)
        => IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? ip) ? [ip] : Dns.GetHostAddresses(host);

    private static IEnumerable<(string, int)> Postgres(string connection)
    {
        Npgsql.NpgsqlConnectionStringBuilder b = Turn.UserDb.Postgres.PostgresConnectionInfo.ToNpgsql(connection, TimeSpan.FromSeconds(5));
        int port = b.Port > 0 ? b.Port : PostgresPort;
        foreach (string host in (b.Host ?? "localhost").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            yield return SplitPort(host, port);
        }
    }

    private static IEnumerable<(string, int)> MySql(string connection)
    {
        global::MySql.Data.MySqlClient.MySqlConnectionStringBuilder b = Turn.UserDb.MySql.MySqlConnectionInfo.ToMySqlData(connection, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
        int port = b.Port > 0 ? (int)b.Port : MySqlPort;
        foreach (string host in (b.Server ?? "localhost").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            yield return (host, port);
        }
    }

    /// <summary>mongodb://[user:password@]host[:port][,host[:port]...][/database][?options]</summary>
    private static IEnumerable<(string, int)> Mongo(string connection)
    {
        string rest = connection.Trim();
        int scheme = rest.IndexOf("://", StringComparison.Ordinal);
        rest = scheme < 0 ? rest : rest[(scheme + 3)..];
        int at = rest.LastIndexOf('@');
        rest = at < 0 ? rest : rest[(at + 1)..];
        int end = rest.IndexOfAny(['/', '?']);
        rest = end < 0 ? rest : rest[..end];
        foreach (string host in rest.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            yield return SplitPort(host, MongoPort);
        }
    }

    private static IEnumerable<(string, int)> Redis(string connection)
    {
        ConfigurationOptions options = Turn.UserDb.Redis.RedisConnectionInfo.ToConfigurationOptions(connection, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
        foreach (EndPoint ep in options.EndPoints)
        {
            switch (ep)
            {
                case IPEndPoint ip:
                    yield return (ip.Address.ToString(), ip.Port);
                    break;
                case DnsEndPoint dns:
                    yield return (dns.Host, dns.Port);
                    break;
            }
        }
    }

    /// <summary>"host", "host:port", "[v6]:port" or a bare IPv6 address.</summary>
    private static (string, int) SplitPort(string host, int defaultPort)
    {
        if (host.StartsWith('['))
        {
            int close = host.IndexOf(']', StringComparison.Ordinal);
            return close > 0 && close + 1 < host.Length && host[close + 1] == ':' && int.TryParse(host[(close + 2)..], out int p6)
                ? (host[1..close], p6)
                : (host.Trim('[', ']'), defaultPort);
        }

        int colon = host.LastIndexOf(':');
        return colon > 0 && host.IndexOf(':', StringComparison.Ordinal) == colon && int.TryParse(host[(colon + 1)..], out int p)
            ? (host[..colon], p)
            : (host, defaultPort);
    }
}
