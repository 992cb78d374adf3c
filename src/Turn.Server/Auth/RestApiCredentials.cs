using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Turn.Server.Auth;

/// <summary>
/// The TURN REST API (draft-uberti-behave-turn-rest, as coturn implements it): the user name is
/// "expiry[sep]user" with expiry in Unix seconds; the password is base64(HMAC-SHA1(secret, username)).
/// </summary>
public static class RestApiCredentials
{
    /// <summary>True when <paramref name="username"/> starts with a timestamp that has not passed.</summary>
    public static bool IsValid(string username, char separator, long unixNow)
    {
        int sep = username.IndexOf(separator, StringComparison.Ordinal);
        ReadOnlySpan<char> stamp = sep < 0 ? username : username.AsSpan(0, sep);
        return long.TryParse(stamp, NumberStyles.None, CultureInfo.InvariantCulture, out long expiry) && expiry >= unixNow;
    }

    /// <summary>The password a web service hands out for <paramref name="username"/> with <paramref name="secret"/>.</summary>
    public static string Password(string username, string secret)
    {
        Span<byte> mac = stackalloc byte[20];
        HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username), mac);
        return Convert.ToBase64String(mac);
    }

    /// <summary>One key per secret (every configured secret is tried); none for an expired or unparsable name.</summary>
    public static IReadOnlyList<UserKey> Keys(string username, string realm, IReadOnlyList<string> secrets, char separator, long unixNow)
    {
        if (!IsValid(username, separator, unixNow))
        {
            return [];
        }

        var keys = new List<UserKey>(secrets.Count);
        foreach (string secret in secrets)
        {
            keys.Add(UserKey.FromPassword(username, realm, Password(username, secret)));
        }

        return keys;
    }
}
