using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Turn.Bench;

/// <summary>
/// The user-database benchmark's users, written in coturn's own storage format for a bulk load (thousands of
/// turnadmin runs would take minutes): user N has password "passN" (prefixes configurable) and the long-term
/// key hex(MD5(user:realm:password)), lower case, as turnadmin stores it (turndb/schema.sql, schema.userdb.redis).
/// sql: one transaction of multi-row INSERTs into turnusers_lt (SQLite, PostgreSQL and MySQL/MariaDB accept it);
/// resp: Redis protocol SET commands of turn/realm/REALM/user/NAME/key for <c>redis-cli --pipe</c>.
/// </summary>
internal static class BenchUsers
{
    private const int RowsPerInsert = 500;

    public static int Write(TextWriter w, string format, int first, int count, string realm, string userPrefix, string passwordPrefix)
    {
        if (realm.Contains('\'', StringComparison.Ordinal) || userPrefix.Contains('\'', StringComparison.Ordinal))
            throw new ArgumentException("realm and user prefix must not contain quotes");
        switch (format)
        {
            case "sql":
                w.Write("BEGIN;\n");
                for (int i = 0; i < count; i++)
                {
                    (string user, string key) = User(first + i, realm, userPrefix, passwordPrefix);
                    w.Write(i % RowsPerInsert == 0 ? "INSERT INTO turnusers_lt (realm, name, hmackey) VALUES\n" : ",\n");
                    w.Write($"('{realm}','{user}','{key}')");
                    if (i % RowsPerInsert == RowsPerInsert - 1 || i == count - 1) w.Write(";\n");
                }
                w.Write("COMMIT;\n");
                return 0;
            case "resp":
                for (int i = 0; i < count; i++)
                {
                    (string user, string key) = User(first + i, realm, userPrefix, passwordPrefix);
                    Resp(w, "SET", $"turn/realm/{realm}/user/{user}/key", key);
                }
                return 0;
            default:
                throw new ArgumentException($"--format: '{format}' is not sql/resp");
        }
    }

    private static (string User, string Key) User(int n, string realm, string userPrefix, string passwordPrefix)
    {
        string user = userPrefix + n.ToString(CultureInfo.InvariantCulture);
        string password = passwordPrefix + n.ToString(CultureInfo.InvariantCulture);
        byte[] md5 = MD5.HashData(Encoding.UTF8.GetBytes($"{user}:{realm}:{password}"));
        return (user, Convert.ToHexStringLower(md5));
    }

    private static void Resp(TextWriter w, params string[] parts)
    {
        w.Write($"*{parts.Length}\r\n");
        foreach (string p in parts) w.Write($"${Encoding.UTF8.GetByteCount(p)}\r\n{p}\r\n");
    }
}
