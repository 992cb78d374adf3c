using System.Text.RegularExpressions;

namespace Turn.Configuration;

/// <summary>How much of an option's value may appear in error messages and logs.</summary>
public enum ValueSecrecy
{
    /// <summary>Not a secret.</summary>
    None,

    /// <summary>Never shown (shared secrets, passwords).</summary>
    Hidden,

    /// <summary>A database connection string: shown with its password replaced.</summary>
    ConnectionString,

    /// <summary>A <c>user=name:password</c> or <c>name:0xKEY</c> entry: only the name is shown.</summary>
    UserEntry,
}

/// <summary>Removes secrets from values before they reach an error message or a log line.</summary>
public static partial class SecretRedaction
{
    private const string Mask = "***";

    /// <summary>
    /// A connection string without its password: libpq/coturn <c>key=value</c> forms (<c>password=x</c>,
    /// <c>password='quoted \' value'</c>, <c>password="x"</c>) and URIs (<c>scheme://user:password@host</c>).
    /// </summary>
    public static string ConnectionString(string connection) =>
        Password().Replace(connection, m => m.Groups["key"].Success
            ? m.Groups["key"].Value + Mask
            : m.Groups["scheme"].Value + Mask + "@");

    /// <summary><c>name:password</c> → <c>name:***</c>; a value without ':' is shown as the mask alone (it may be a bare secret).</summary>
    public static string UserEntry(string entry)
    {
        int colon = entry.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? Mask : entry[..(colon + 1)] + Mask;
    }

    // key=value: single-quoted with backslash escapes (libpq), double-quoted, or up to the next space.
    // URI: the userinfo's password between "//user:" and "@".
    [GeneratedRegex("""(?<key>\b(?:password|pwd|pass)\s*=\s*)(?:'(?:[^'\\]|\\.)*'?|"[^"]*"?|\S*)|(?<scheme>//[^:/@\s]*:)[^@\s]*@""", RegexOptions.IgnoreCase)]
    private static partial Regex Password();
}
