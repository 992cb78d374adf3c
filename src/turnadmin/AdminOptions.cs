namespace Turn.AdminTool;

/// <summary>turnadmin's option table: coturn 4.6.1's getopt string and long names (same order, hence the same ambiguity messages).</summary>
internal static class AdminOptions
{
    /// <summary>Codes of the long-only options (coturn uses private values above the ASCII range too).</summary>
    public const int DeleteAllSecrets = 1000;
    public const int UserQuota = 1001;
    public const int TotalQuota = 1002;
    public const int MaxBps = 1003;

    /// <summary>
    /// coturn's getopt string <c>PEgGORIHKYlLkaADSdb:e:M:J:N:u:r:p:s:X:o:h:x:v:f:</c>, except that <c>-h</c> takes no
    /// value here (coturn's <c>-h</c> demands one, so a bare <c>turnadmin -h</c> fails there).
    /// </summary>
    public const string ShortSpec = "PEgGORIHKYlLkaADSdb:e:M:J:N:u:r:p:s:X:o:hx:v:f:";

    public static IReadOnlyList<LongOption> Longs { get; } =
    [
        new("generate-encrypted-password", ArgKind.None, 'P'),
        new("generate-encrypted-password-aes", ArgKind.None, 'E'),
        new("key", ArgKind.None, 'k'),
        new("add", ArgKind.None, 'a'),
        new("delete", ArgKind.None, 'd'),
        new("list", ArgKind.None, 'l'),
        new("list-admin", ArgKind.None, 'L'),
        new("set-secret", ArgKind.Required, 's'),
        new("show-secret", ArgKind.None, 'S'),
        new("delete-secret", ArgKind.Required, 'X'),
        new("delete-all-secrets", ArgKind.None, DeleteAllSecrets),
        new("add-admin", ArgKind.None, 'A'),
        new("delete-admin", ArgKind.None, 'D'),
        new("userdb", ArgKind.Required, 'b'),
        new("db", ArgKind.Required, 'b'),
        new("psql-userdb", ArgKind.Required, 'e'),
        new("sql-userdb", ArgKind.Required, 'e'),
        new("mysql-userdb", ArgKind.Required, 'M'),
        new("mongo-userdb", ArgKind.Required, 'J'),
        new("redis-userdb", ArgKind.Required, 'N'),
        new("user", ArgKind.Required, 'u'),
        new("realm", ArgKind.Required, 'r'),
        new("password", ArgKind.Required, 'p'),
        new("add-origin", ArgKind.None, 'O'),
        new("del-origin", ArgKind.None, 'R'),
        new("list-origins", ArgKind.OptionalIgnored, 'I'),
        new("origin", ArgKind.Required, 'o'),
        new("set-realm-option", ArgKind.None, 'g'),
        new("list-realm-option", ArgKind.None, 'G'),
        new("list-realm-options", ArgKind.None, 'G'),
        new("user-quota", ArgKind.Required, UserQuota),
        new("total-quota", ArgKind.Required, TotalQuota),
        new("max-bps", ArgKind.Required, MaxBps),
        new("help", ArgKind.None, 'h'),
        new("key-path", ArgKind.Required, 'x'),
        new("file-key-path", ArgKind.Required, 'f'),
        new("verify", ArgKind.Required, 'v'),
    ];
}
